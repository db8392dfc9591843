using System.Globalization;
using System.Text;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

public class CanonicalFormTests
{
    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in SchemaTestCase.Load())
        {
            data.Add(c.Id);
        }

        return data;
    }

    [Fact]
    public void SchemaTestsFile_Loads_AllThirtyFourCases()
    {
        var cases = SchemaTestCase.Load();

        cases.Should().HaveCount(34);
        cases.Count(c => c.Fingerprint is not null).Should().Be(26);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void CanonicalForm_SchemaTestsCase_MatchesExpected(string id)
    {
        var testCase = SchemaTestCase.Load().Single(c => c.Id == id);

        var schema = AvroSchema.Parse(testCase.Input);

        schema.CanonicalForm.Should().Be(testCase.Canonical);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Fingerprint_SchemaTestsCase_MatchesExpected(string id)
    {
        var testCase = SchemaTestCase.Load().Single(c => c.Id == id);
        var schema = AvroSchema.Parse(testCase.Input);

        // Cases without a listed fingerprint share their canonical form with a listed one (e.g. {"type":"int"} and "int").
        var expected = testCase.Fingerprint ?? SchemaTestCase.Load().First(c => c.Canonical == testCase.Canonical && c.Fingerprint is not null).Fingerprint!.Value;

        unchecked((long)schema.Fingerprint).Should().Be(expected);
    }

    [Fact]
    public void Fingerprint_EmptyInput_IsSeed()
    {
        AvroFingerprint.Compute(ReadOnlySpan<byte>.Empty).Should().Be(AvroFingerprint.Empty);
    }

    [Fact]
    public void CanonicalForm_LogicalTypesAndDefaults_AreStripped()
    {
        var schema = AvroSchema.Parse("""
            {"type":"record","name":"R","namespace":"n","doc":"d","fields":[
              {"name":"t","type":{"type":"long","logicalType":"timestamp-millis"},"default":0},
              {"name":"e","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}},
              {"name":"e2","type":"E"}]}
            """);

        schema.CanonicalForm.Should().Be("""{"name":"n.R","type":"record","fields":[{"name":"t","type":"long"},{"name":"e","type":{"name":"n.E","type":"enum","symbols":["A"]}},{"name":"e2","type":"n.E"}]}""");
    }
}

/// <summary>
/// One case of Apache Avro's schema-tests.txt: <c>// NNN</c> starts a case; <c>&lt;&lt;INPUT text</c> is a one-line input, a bare
/// <c>&lt;&lt;INPUT</c> starts a multi-line input ended by a line <c>INPUT</c>; <c>&lt;&lt;canonical</c> and <c>&lt;&lt;fingerprint</c>
/// (signed 64-bit decimal) follow. Comment lines (<c>// ...</c>, including commented-out inputs) and <c>#</c> lines are ignored.
/// </summary>
internal sealed record SchemaTestCase(string Id, string Input, string Canonical, long? Fingerprint)
{
    private static readonly Lazy<IReadOnlyList<SchemaTestCase>> s_cases = new(Parse);

    public static IReadOnlyList<SchemaTestCase> Load() => s_cases.Value;

    private static IReadOnlyList<SchemaTestCase> Parse()
    {
        var lines = File.ReadAllLines(RepoPaths.AvroTestData("schema-tests.txt"));
        var cases = new List<SchemaTestCase>();
        string? id = null;
        string? input = null;
        string? canonical = null;
        long? fingerprint = null;

        void Flush()
        {
            if (id is not null)
            {
                cases.Add(new SchemaTestCase(id, input ?? throw new InvalidDataException($"case {id} has no input"), canonical ?? throw new InvalidDataException($"case {id} has no canonical form"), fingerprint));
            }

            id = input = canonical = null;
            fingerprint = null;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("// ", StringComparison.Ordinal) && line.Length > 3 && line[3..].Trim().All(char.IsAsciiDigit))
            {
                Flush();
                id = line[3..].Trim();
            }
            else if (line.StartsWith("<<INPUT", StringComparison.Ordinal))
            {
                var rest = line["<<INPUT".Length..].Trim();
                if (rest.Length > 0)
                {
                    input = rest;
                }
                else
                {
                    var sb = new StringBuilder();
                    while (lines[++i] != "INPUT")
                    {
                        sb.AppendLine(lines[i]);
                    }

                    input = sb.ToString();
                }
            }
            else if (line.StartsWith("<<canonical ", StringComparison.Ordinal))
            {
                canonical = line["<<canonical ".Length..];
            }
            else if (line.StartsWith("<<fingerprint ", StringComparison.Ordinal))
            {
                fingerprint = long.Parse(line["<<fingerprint ".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        Flush();
        return cases;
    }
}

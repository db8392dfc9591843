using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

/// <summary>Both directions against Apache Avro's Python implementation (Debian python3-avro 1.11).</summary>
public class InteropTests
{
    public static TheoryData<string> SchemaNames() => new() { "interop", "logical" };

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void PythonWrittenDatums_DecodeInCSharp_ToSameValues(string name)
    {
        var (schema, datums) = Fixture(name, pythonWrites: true);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("schema.avsc"), schema.ToJson());
        File.WriteAllLines(dir.File("values.jsonl"), datums.Select(d => AvroJsonDatum.ToJson(d, schema)));

        PythonAvro.Run("write", dir.File("schema.avsc"), dir.File("values.jsonl"), dir.Path);

        var reader = new GenericDatumReader(schema);
        for (var i = 0; i < datums.Count; i++)
        {
            var decoded = reader.Read(File.ReadAllBytes(dir.File($"{i}.bin")));
            GenericDatum.DeepEquals(decoded, datums[i]).Should().BeTrue($"python datum {i} should decode to {datums[i]} but was {decoded}");
        }
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void CSharpWrittenDatums_DecodeInPython_ToSameValues(string name)
    {
        var (schema, datums) = Fixture(name, pythonWrites: false);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("schema.avsc"), schema.ToJson());
        var writer = new GenericDatumWriter(schema);
        var files = new List<string>();
        for (var i = 0; i < datums.Count; i++)
        {
            File.WriteAllBytes(dir.File($"{i}.bin"), writer.Serialize(datums[i]));
            files.Add(dir.File($"{i}.bin"));
        }

        var lines = PythonAvro.Lines(PythonAvro.Run(["read", dir.File("schema.avsc"), .. files]));

        lines.Should().HaveCount(datums.Count);
        for (var i = 0; i < datums.Count; i++)
        {
            var fromPython = AvroJsonDatum.FromJson(lines[i], schema);
            GenericDatum.DeepEquals(fromPython, datums[i]).Should().BeTrue($"python read {lines[i]} for {datums[i]}");
        }
    }

    [Fact]
    public void CanonicalFormAndFingerprint_InteropSchema_MatchPython()
    {
        var path = RepoPaths.AvroTestData("interop.avsc");
        var schema = AvroSchema.Parse(File.ReadAllText(path));

        var lines = PythonAvro.Lines(PythonAvro.Run("canonical", path));

        schema.CanonicalForm.Should().Be(lines[0]);
        unchecked((long)schema.Fingerprint).ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be(lines[1]);
    }

    /// <summary>
    /// Python-avro 1.11 leaves a primitive with a logical type as {"type":"long"} in its canonical form, against the
    /// specification's [PRIMITIVES] rule (Java, and schema-tests.txt, write "long"); with that one difference
    /// normalised the forms must agree.
    /// </summary>
    [Fact]
    public void CanonicalForm_LogicalSchema_MatchesPythonUpToItsPrimitiveQuirk()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("logical.avsc"), TestSchemas.Logical.ToJson());

        var lines = PythonAvro.Lines(PythonAvro.Run("canonical", dir.File("logical.avsc")));

        lines[0].Should().NotBe(TestSchemas.Logical.CanonicalForm, "python-avro 1.11 keeps {\"type\":\"bytes\"}; if this fails the quirk is fixed and the normalisation can go");
        TestSchemas.Logical.CanonicalForm.Should().Be(NormalizePythonCanonical(lines[0]));
    }

    internal static string NormalizePythonCanonical(string canonical) =>
        System.Text.RegularExpressions.Regex.Replace(canonical, "\\{\"type\":\"(null|boolean|int|long|float|double|bytes|string)\"\\}", "\"$1\"");

    /// <summary>
    /// Python-avro 1.11 writes a union value as the last branch it validates against, and Python's True validates as a
    /// double, so ["boolean","double",...] with true comes out as 1.0 from Python: seed 3 (boolean branch) is only used
    /// where C# writes.
    /// </summary>
    private static (RecordSchema Schema, IReadOnlyList<object?> Datums) Fixture(string name, bool pythonWrites) => name switch
    {
        "interop" => (TestSchemas.Interop, pythonWrites
            ? [TestSchemas.InteropDatum(1), TestSchemas.InteropDatum(2), TestSchemas.InteropDatum(4), TestSchemas.InteropDatum(5)]
            : [TestSchemas.InteropDatum(1), TestSchemas.InteropDatum(2), TestSchemas.InteropDatum(3)]),
        _ => (TestSchemas.Logical, [TestSchemas.LogicalDatum(), NegativeLogical()]),
    };

    private static GenericRecord NegativeLogical()
    {
        var datum = TestSchemas.LogicalDatum();
        datum["dec"] = -99999999999999.9999m;
        datum["fixedDec"] = 0m;
        datum["tsMs"] = new DateTime(1900, 1, 1, 0, 0, 0, 1, DateTimeKind.Utc);
        datum["maybeDec"] = null;
        datum["day"] = new DateOnly(1960, 2, 29);
        return datum;
    }
}

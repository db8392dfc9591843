using System.Text.Json;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

/// <summary>Hostile input: Apache Avro's must-reject vectors (AVRO-4304), depth and length bombs, and a mutation fuzz.</summary>
public class HardeningTests
{
    private const long MaxAllocationPerDecode = 256 * 1024;

    public static TheoryData<string> RejectionVectors()
    {
        var data = new TheoryData<string>();
        foreach (var vector in LoadVectors())
        {
            data.Add(vector.Name);
        }

        return data;
    }

    [Fact]
    public void BinaryRejections_File_HasNineVectors()
    {
        LoadVectors().Should().HaveCount(9);
    }

    [Theory]
    [MemberData(nameof(RejectionVectors))]
    public void Read_BinaryRejectionVector_ThrowsBoundedAvroException(string name)
    {
        var vector = LoadVectors().Single(v => v.Name == name);
        var schema = AvroSchema.Parse(vector.Schema);
        var reader = new GenericDatumReader(schema);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => reader.Read(vector.Bytes);

        act.Should().Throw<AvroException>().Which.Offset.Should().BeInRange(0, vector.Bytes.Length);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(MaxAllocationPerDecode);
    }

    [Theory]
    [MemberData(nameof(RejectionVectors))]
    public void Skip_BinaryRejectionVector_ThrowsAvroException(string name)
    {
        var vector = LoadVectors().Single(v => v.Name == name);
        var schema = AvroSchema.Parse(vector.Schema);

        var act = () =>
        {
            var reader = new AvroReader(vector.Bytes);
            AvroSkipper.Skip(ref reader, schema);
            if (!reader.End)
            {
                throw new AvroException("trailing bytes", reader.Position);
            }
        };

        // Skipping validates what it must read to find the end (lengths, counts, union and enum indexes).
        act.Should().Throw<AvroException>();
    }

    [Fact]
    public void Read_DeeplyNestedRecursiveData_StopsAtDepthLimitWithoutStackOverflow()
    {
        var schema = AvroSchema.Parse("""{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}""");
        var bytes = Enumerable.Repeat((byte)0x02, 1_000_000).Append((byte)0x00).ToArray();

        var act = () => new GenericDatumReader(schema).Read(bytes);

        act.Should().Throw<AvroException>().WithMessage("*deeper than the limit of 100*");
    }

    [Fact]
    public void Read_NestingWithinLimit_Decodes()
    {
        var schema = AvroSchema.Parse("""{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}""");
        var bytes = Enumerable.Repeat((byte)0x02, 40).Append((byte)0x00).ToArray();

        var value = (GenericRecord)new GenericDatumReader(schema).Read(bytes)!;

        var depth = 0;
        for (var node = value; node is not null; node = (GenericRecord?)node["next"])
        {
            depth++;
        }

        depth.Should().Be(41);
    }

    [Theory]
    [InlineData("\"string\"", "FEFFFFFFFFFFFFFF7F")]
    [InlineData("\"bytes\"", "FEFFFFFFFFFFFFFF7F")]
    [InlineData("{\"type\":\"array\",\"items\":\"long\"}", "FEFFFFFFFFFFFFFF7F00")]
    [InlineData("{\"type\":\"map\",\"values\":\"null\"}", "FEFFFFFFFFFFFFFF7F00")]
    [InlineData("{\"type\":\"array\",\"items\":\"null\"}", "FEFFFFFFFFFFFFFF7F00")]
    [InlineData("{\"type\":\"array\",\"items\":\"int\"}", "FFFFFFFFFFFFFFFF7FFEFFFFFFFFFFFFFF7F00")]
    [InlineData("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}}", "C09A0C00")]
    [InlineData("{\"type\":\"fixed\",\"name\":\"F\",\"size\":1000000}", "00")]
    public void Read_HugeDeclaredSizes_ThrowWithoutAllocating(string schemaJson, string hex)
    {
        var schema = AvroSchema.Parse(schemaJson);
        var bytes = Convert.FromHexString(hex);
        var reader = new GenericDatumReader(schema);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => reader.Read(bytes);

        act.Should().Throw<AvroException>();
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(MaxAllocationPerDecode);
    }

    [Fact]
    public void Fuzz_MutatedAndTruncatedRecords_YieldValuesOrAvroExceptionOnly()
    {
        var random = new Random(20261120);
        var evolvedInterop = AvroSchema.Parse(File.ReadAllText(RepoPaths.AvroTestData("interop.avsc"))
            .Replace("{\"name\": \"intField\", \"type\": \"int\"}", "{\"name\": \"intField\", \"type\": \"double\"}, {\"name\": \"extra\", \"type\": [\"null\", \"string\"], \"default\": null}", StringComparison.Ordinal));
        var targets = new (GenericDatumReader Reader, byte[][] Corpus)[]
        {
            (new GenericDatumReader(TestSchemas.Interop), Corpus(TestSchemas.Interop, Enumerable.Range(1, 6).Select(i => (object?)TestSchemas.InteropDatum(i)))),
            (new GenericDatumReader(SchemaResolver.Resolve(TestSchemas.Interop, evolvedInterop)), Corpus(TestSchemas.Interop, Enumerable.Range(1, 6).Select(i => (object?)TestSchemas.InteropDatum(i)))),
            (new GenericDatumReader(TestSchemas.Logical), Corpus(TestSchemas.Logical, [TestSchemas.LogicalDatum()])),
        };

        var values = 0;
        var rejected = 0;
        const int Iterations = 105_000;
        for (var i = 0; i < Iterations; i++)
        {
            var (reader, corpus) = targets[i % targets.Length];
            var input = Mutate(corpus[random.Next(corpus.Length)], random);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                reader.Read(input);
                values++;
            }
            catch (AvroException)
            {
                rejected++;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > MaxAllocationPerDecode + (input.Length * 64L))
            {
                Assert.Fail($"input {Convert.ToHexString(input)} allocated {allocated} bytes");
            }
        }

        (values + rejected).Should().Be(Iterations);
        rejected.Should().BeGreaterThan(Iterations / 10, "most mutations break the encoding");
        values.Should().BeGreaterThan(Iterations / 100, "some mutations still decode");
    }

    internal static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original.ToList();
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                    break;
                case 3:
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveAt(random.Next(bytes.Count));
                    break;
                case 5:
                    // Varint extremes: huge or negative lengths, counts and indexes.
                    var position = random.Next(bytes.Count + 1);
                    bytes.InsertRange(position, random.Next(3) switch
                    {
                        0 => [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
                        1 => [0x01],
                        _ => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
                    });
                    break;
                default:
                    if (bytes.Count > 1)
                    {
                        var from = random.Next(bytes.Count);
                        var length = random.Next(1, Math.Min(16, bytes.Count - from) + 1);
                        bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(from, length));
                    }

                    break;
            }
        }

        return bytes.ToArray();
    }

    private static byte[][] Corpus(AvroSchema schema, IEnumerable<object?> datums)
    {
        var writer = new GenericDatumWriter(schema);
        return datums.Select(writer.Serialize).ToArray();
    }

    private static List<Vector> LoadVectors()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.AvroTestData("binary-rejections.json")));
        return document.RootElement.GetProperty("vectors").EnumerateArray()
            .Select(v => new Vector(v.GetProperty("name").GetString()!, v.GetProperty("schema").GetString()!, Convert.FromHexString(v.GetProperty("bytesHex").GetString()!)))
            .ToList();
    }

    private sealed record Vector(string Name, string Schema, byte[] Bytes);
}

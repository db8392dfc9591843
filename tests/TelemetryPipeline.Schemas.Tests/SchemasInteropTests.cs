using System.Buffers.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Schemas.Tests;

/// <summary>The project's schemas and records against Apache Avro's Python implementation (Debian python3-avro 1.11).</summary>
public class SchemasInteropTests
{
    private readonly TelemetryCodec _codec = TelemetryCodec.CreateDefault();

    public static TheoryData<string> SchemaFiles()
    {
        var data = new TheoryData<string>();
        foreach (var name in TelemetrySchemas.All.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void All_EmbeddedSchemas_AreTheSevenRepositoryFiles()
    {
        TelemetrySchemas.All.Keys.Should().BeEquivalentTo(
            Directory.GetFiles(Path.Combine(RepoPaths.Root, "schemas"), "*.avsc").Select(Path.GetFileNameWithoutExtension));
        TelemetrySchemas.All.Should().HaveCount(7);
    }

    /// <summary>
    /// Python-avro 1.11 writes {"type":"long"} for a primitive with a logical type where the specification (and Java)
    /// write "long"; with that normalised the canonical forms agree.
    /// </summary>
    [Theory]
    [MemberData(nameof(SchemaFiles))]
    public void CanonicalForm_ProjectSchema_MatchesPython(string name)
    {
        var lines = PythonAvro.Lines(PythonAvro.Run("canonical", SchemaPath(name)));

        var normalized = System.Text.RegularExpressions.Regex.Replace(lines[0], "\\{\"type\":\"(null|boolean|int|long|float|double|bytes|string)\"\\}", "\"$1\"");
        TelemetrySchemas.Get(name).CanonicalForm.Should().Be(normalized);
        _codec.Fingerprints[name].Should().Be(AvroFingerprint.Compute(normalized));
    }

    [Fact]
    public void CSharpEncodedRecords_DecodeInPython_ToSameValues()
    {
        using var dir = new TempDirectory();
        foreach (var (record, index) in Samples.All.Select((r, i) => (r, i)))
        {
            var name = record.GetType().Name;
            var schema = TelemetrySchemas.Get(name);
            var framed = _codec.EncodeSingleObject(record);
            var datum = framed.AsSpan(10).ToArray();
            File.WriteAllBytes(dir.File($"{index}.bin"), datum);

            var line = PythonAvro.Lines(PythonAvro.Run("read", SchemaPath(name), dir.File($"{index}.bin"))).Single();

            var fromPython = AvroJsonDatum.FromJson(line, schema);
            var fromCSharp = new GenericDatumReader(schema).Read(datum);
            GenericDatum.DeepEquals(fromPython, fromCSharp).Should().BeTrue($"{name}: python read {line}, C# read {fromCSharp}");
        }
    }

    [Fact]
    public void PythonEncodedRecords_DecodeInCSharp_ToSameRecords()
    {
        using var dir = new TempDirectory();
        foreach (var group in Samples.All.GroupBy(r => r.GetType().Name))
        {
            var schema = TelemetrySchemas.Get(group.Key);
            var records = group.ToList();
            var values = records.Select(r => AvroJsonDatum.ToJson(new GenericDatumReader(schema).Read(_codec.EncodeSingleObject(r).AsSpan(10)), schema));
            var outDir = Directory.CreateDirectory(dir.File(group.Key)).FullName;
            File.WriteAllLines(Path.Combine(outDir, "values.jsonl"), values);

            PythonAvro.Run("write", SchemaPath(group.Key), Path.Combine(outDir, "values.jsonl"), outDir);

            for (var i = 0; i < records.Count; i++)
            {
                var payload = SingleObject(schema.Fingerprint, File.ReadAllBytes(Path.Combine(outDir, $"{i}.bin")));
                _codec.TryDecode(payload, out var decoded, out var rejection).Should().BeTrue(rejection.ToString());
                decoded.Should().Be(records[i]);
            }
        }
    }

    [Fact]
    public void PythonWrittenUsageV1_DecodesInCSharp_AsCurrentUsage()
    {
        using var dir = new TempDirectory();
        var v1 = TelemetrySchemas.Get(TelemetrySchemas.EquipmentUsageV1);
        var json = AvroJsonDatum.ToJson(new GenericDatumReader(v1).Read(_codec.EncodeUsageV1SingleObject(Samples.Usage).AsSpan(10)), v1);
        File.WriteAllLines(dir.File("values.jsonl"), [json]);

        PythonAvro.Run("write", SchemaPath(TelemetrySchemas.EquipmentUsageV1), dir.File("values.jsonl"), dir.Path);

        _codec.TryDecodeTelemetry(SingleObject(v1.Fingerprint, File.ReadAllBytes(dir.File("0.bin"))), out var usage, out var rejection).Should().BeTrue(rejection.ToString());
        usage.Should().Be(Samples.Usage with { DistanceKm = null });
    }

    [Fact]
    public void CSharpWrittenUsageV1_ResolvesInPythonAgainstCurrentSchema()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("v1.bin"), _codec.EncodeUsageV1SingleObject(Samples.Usage).AsSpan(10).ToArray());

        var line = PythonAvro.Lines(PythonAvro.Run("read", SchemaPath(TelemetrySchemas.EquipmentUsageV1), "--reader", SchemaPath(TelemetrySchemas.EquipmentUsage), dir.File("v1.bin"))).Single();

        var current = TelemetrySchemas.Get(TelemetrySchemas.EquipmentUsage);
        var fromPython = (GenericRecord)AvroJsonDatum.FromJson(line, current, convertLogicalTypes: false)!;
        fromPython["distanceKm"].Should().BeNull();
        fromPython["operatingHours"].Should().Be(Samples.Usage.OperatingHours);
        fromPython["eventTime"].Should().Be(Samples.Usage.EventTimeMs);
        ((GenericRecord)fromPython["equipmentRef"]!)["value"].Should().Be(Samples.Usage.Equipment.Value);
    }

    private static string SchemaPath(string name) => Path.Combine(RepoPaths.Root, "schemas", name + ".avsc");

    private static byte[] SingleObject(ulong fingerprint, byte[] datum)
    {
        var payload = new byte[10 + datum.Length];
        payload[0] = 0xC3;
        payload[1] = 0x01;
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(2), fingerprint);
        datum.CopyTo(payload, 10);
        return payload;
    }
}

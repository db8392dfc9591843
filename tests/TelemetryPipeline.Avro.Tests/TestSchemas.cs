using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

/// <summary>Schemas and sample datums shared by the tests.</summary>
internal static class TestSchemas
{
    public static RecordSchema Interop { get; } = (RecordSchema)AvroSchema.Parse(File.ReadAllText(RepoPaths.AvroTestData("interop.avsc")));

    public static RecordSchema Logical { get; } = (RecordSchema)AvroSchema.Parse("""
        {"type":"record","name":"Logical","namespace":"test","fields":[
          {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},
          {"name":"fixedDec","type":{"type":"fixed","name":"Dec8","size":8,"logicalType":"decimal","precision":18,"scale":2}},
          {"name":"id","type":{"type":"string","logicalType":"uuid"}},
          {"name":"day","type":{"type":"int","logicalType":"date"}},
          {"name":"timeMs","type":{"type":"int","logicalType":"time-millis"}},
          {"name":"timeUs","type":{"type":"long","logicalType":"time-micros"}},
          {"name":"tsMs","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"tsUs","type":{"type":"long","logicalType":"timestamp-micros"}},
          {"name":"localMs","type":{"type":"long","logicalType":"local-timestamp-millis"}},
          {"name":"localUs","type":{"type":"long","logicalType":"local-timestamp-micros"}},
          {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
          {"name":"maybeDec","type":["null",{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}],"default":null}]}
        """);

    public static GenericRecord InteropDatum(int seed = 1)
    {
        var schema = Interop;
        var foo = (RecordSchema)((MapSchema)schema.GetField("mapField").Schema).Values;
        var node = (RecordSchema)schema.GetField("recordField").Schema;
        var kind = (EnumSchema)schema.GetField("enumField").Schema;
        var md5 = (FixedSchema)schema.GetField("fixedField").Schema;
        var leaf = new GenericRecord(node).With("label", "leaf").With("children", new List<object?>());
        return new GenericRecord(schema)
            .With("intField", 12 * seed)
            .With("longField", 15234324L * seed)
            .With("stringField", "hey ü " + seed)
            .With("boolField", seed % 2 == 0)
            .With("floatField", 1234.0f + seed)
            .With("doubleField", -5432.6 * seed)
            .With("bytesField", new byte[] { 0x00, 0x01, 0xFF, (byte)seed })
            .With("nullField", null)
            .With("arrayField", new List<object?> { 5.0, -0.25, 1e300 })
            .With("mapField", new Dictionary<string, object?> { ["a"] = new GenericRecord(foo).With("label", "A"), ["bee"] = new GenericRecord(foo).With("label", "B") })
            .With("unionField", seed % 3 == 0 ? true : seed % 3 == 1 ? 2.5 : new List<object?> { new byte[] { 1, 2 }, Array.Empty<byte>() })
            .With("enumField", new GenericEnum(kind, "C"))
            .With("fixedField", new GenericFixed(md5, Enumerable.Range(0, 16).Select(i => (byte)(i * seed)).ToArray()))
            .With("recordField", new GenericRecord(node).With("label", "root").With("children", new List<object?> { leaf, GenericDatum.DeepCopy(leaf) }));
    }

    public static GenericRecord LogicalDatum() => new GenericRecord(Logical)
        .With("dec", 12345.6789m)
        .With("fixedDec", -0.5m)
        .With("id", Guid.Parse("6a2f41a3-c54c-fce8-32d2-0324e1c32e22"))
        .With("day", new DateOnly(2026, 11, 20))
        .With("timeMs", new TimeSpan(0, 13, 45, 30, 250))
        .With("timeUs", TimeSpan.FromTicks(123_456_789_0))
        .With("tsMs", new DateTime(2026, 11, 20, 8, 15, 0, 123, DateTimeKind.Utc))
        .With("tsUs", new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(10))
        .With("localMs", new DateTime(2026, 1, 2, 3, 4, 5, 6, DateTimeKind.Unspecified))
        .With("localUs", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified).AddTicks(70))
        .With("dur", new AvroDuration(1, 2, 3))
        .With("maybeDec", -0.0001m);
}

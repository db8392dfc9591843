using BenchmarkDotNet.Attributes;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Avro.Benchmarks;

/// <summary>
/// EquipmentUsage decoding: the generic path (bytes → GenericRecord → Domain record) against the resolved fast path
/// (bytes → Domain record), for the current schema and for v1 payloads resolved to the current schema.
/// </summary>
[MemoryDiagnoser]
public class UsageDecodeBenchmarks
{
    private TelemetryCodec _codec = null!;
    private byte[] _current = [];
    private byte[] _v1 = [];

    [GlobalSetup]
    public void Setup()
    {
        _codec = TelemetryCodec.CreateDefault();
        var usage = new EquipmentUsage
        {
            EventId = "3f2c9a7e-5d1b-4c8e-9a0f-1b2c3d4e5f60",
            Source = "visionlink",
            Equipment = new EquipmentRef("serial", "CAT0320GXYZ01234"),
            EventTimeMs = 1_795_000_000_123,
            SiteId = "SITE-7",
            ProjectCode = "PRJ-1001",
            CostCode = "03-200",
            IntervalStartMs = 1_794_999_100_123,
            OperatingHours = 0.25,
            DistanceKm = 1.75,
        };
        _current = _codec.EncodeSingleObject(usage);
        _v1 = _codec.EncodeUsageV1SingleObject(usage);
    }

    [Benchmark(Baseline = true)]
    public object? GenericCurrent()
    {
        _codec.TryDecode(_current, out var value, out _);
        return value;
    }

    [Benchmark]
    public TelemetryEvent? FastPathCurrent()
    {
        _codec.TryDecodeTelemetry(_current, out var value, out _);
        return value;
    }

    [Benchmark]
    public object? GenericV1()
    {
        _codec.TryDecode(_v1, out var value, out _);
        return value;
    }

    [Benchmark]
    public TelemetryEvent? FastPathV1()
    {
        _codec.TryDecodeTelemetry(_v1, out var value, out _);
        return value;
    }
}

/// <summary>Encoding cost for comparison (generic writer over pooled buffers).</summary>
[MemoryDiagnoser]
public class UsageEncodeBenchmarks
{
    private TelemetryCodec _codec = null!;
    private EquipmentUsage _usage = null!;
    private GenericRecord _generic = null!;
    private GenericDatumWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _codec = TelemetryCodec.CreateDefault();
        _usage = new EquipmentUsage
        {
            EventId = "3f2c9a7e-5d1b-4c8e-9a0f-1b2c3d4e5f60",
            Source = "visionlink",
            Equipment = new EquipmentRef("serial", "CAT0320GXYZ01234"),
            EventTimeMs = 1_795_000_000_123,
            OperatingHours = 0.25,
        };
        var schema = _codec.GetCurrentSchema(TelemetrySchemas.EquipmentUsage);
        _writer = new GenericDatumWriter(schema);
        _generic = (GenericRecord)new GenericDatumReader(schema).Read(_codec.EncodeSingleObject(_usage).AsSpan(10))!;
    }

    [Benchmark]
    public byte[] EncodeSingleObject() => _codec.EncodeSingleObject(_usage);

    [Benchmark]
    public byte[] SerializeGenericRecord() => _writer.Serialize(_generic);
}

using BenchmarkDotNet.Attributes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Perf.Micro;

/// <summary><see cref="BucketMath.Spread"/> over intervals of typical lengths: inside one bucket, across one boundary, an hour, a shift.</summary>
[MemoryDiagnoser]
public class BucketSpreadBenchmarks
{
    private const long Start = 1_767_225_600_000 + (7 * 60_000);
    private readonly Action<long, long> _add;
    private long _sum;

    public BucketSpreadBenchmarks() => _add = (_, amount) => _sum += amount;

    /// <summary>Minutes of the interval being spread.</summary>
    [Params(5, 15, 60, 480)]
    public int Minutes { get; set; }

    [Benchmark]
    public long Spread()
    {
        _sum = 0;
        BucketMath.Spread(3_123_457, Start, Start + (Minutes * 60_000L), _add);
        return _sum;
    }
}

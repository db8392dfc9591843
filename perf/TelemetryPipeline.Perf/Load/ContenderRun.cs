using System.Diagnostics;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Perf.Load;

/// <summary>What every contender gets: the same topics and knobs, its own consumer group and (if it needs one) its own Redis.</summary>
internal sealed record ContenderContext(
    KafkaOptions Kafka,
    long Events,
    int SampleEvery,
    string? RedisEndpoint,
    LoadOptions Options,
    TimeSpan Timeout)
{
    /// <summary>A record is a latency sample when these low bits of its counter (or dedupe id) are zero.</summary>
    public ulong SampleMask => (ulong)SampleEvery - 1;
}

/// <summary>
/// The clock of one contender run: resources at the start, when the consumer got its partitions (the first group
/// join on the mock cluster takes ~3 s, which is not throughput), and when the last record was durable.
/// </summary>
internal sealed class RunClock
{
    private long _assigned;

    private readonly RuntimeSampler _sampler = new();

    public RunClock()
    {
        Start = ResourceSnapshot.Take();
        StartThreads = ThreadCpu.Snapshot();
    }

    /// <summary>Thread pool and GC per second, until <see cref="MarkDone"/>.</summary>
    public List<RuntimeWindow> Runtime { get; private set; } = [];

    public ResourceSnapshot Start { get; }

    public Dictionary<int, (string Name, double Seconds)> StartThreads { get; }

    public ResourceSnapshot? Done { get; private set; }

    public SortedDictionary<string, double> ThreadCpuSeconds { get; private set; } = [];

    public long AssignedTimestamp => Interlocked.Read(ref _assigned);

    /// <summary>Starts the throughput window; only the first call counts (later rebalances do not move the start).</summary>
    public void MarkAssigned() => Interlocked.CompareExchange(ref _assigned, Stopwatch.GetTimestamp(), 0);

    public void MarkDone()
    {
        Done = ResourceSnapshot.Take();
        ThreadCpuSeconds = ThreadCpu.Delta(StartThreads, ThreadCpu.Snapshot());
        _sampler.Dispose();
        Runtime = _sampler.Windows;
    }

    /// <summary>Seconds from the assignment to the last durable record (the throughput window).</summary>
    public double ActiveSeconds
    {
        get
        {
            long assigned = AssignedTimestamp == 0 ? Start.Timestamp : AssignedTimestamp;
            long done = Done?.Timestamp ?? Stopwatch.GetTimestamp();
            return Stopwatch.GetElapsedTime(assigned, done).TotalSeconds;
        }
    }
}

/// <summary>The raw outcome of one contender, before the harness adds the Redis server's figures.</summary>
internal sealed class ContenderOutcome
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required RunClock Clock { get; init; }

    public long Events { get; set; }

    public LatencySamples Latency { get; set; } = new(16);

    public long RedisCommands { get; set; }

    public long RedisRoundTrips { get; set; }

    /// <summary>Contender-specific counts (applied, duplicates, rejected, batches, ...).</summary>
    public SortedDictionary<string, double> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>TelemetryPipeline only: applies per second.</summary>
    public List<ApplyWindow> Applies { get; set; } = [];

    /// <summary>Raw (dedupe id, durable UTC ms) samples to join with produce timestamps (TelemetryPipeline only).</summary>
    public DurableSamples? Durable { get; set; }
}

/// <summary>Sampled (dedupe id, time it became durable) pairs, in buffers allocated before the run.</summary>
internal sealed class DurableSamples(int capacity)
{
    private readonly ulong[] _ids = new ulong[Math.Max(16, capacity)];
    private readonly long[] _durableMs = new long[Math.Max(16, capacity)];
    private int _count;

    public int Count => Math.Min(Volatile.Read(ref _count), _ids.Length);

    public void Add(ulong id, long durableMs)
    {
        int slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _ids.Length)
        {
            _ids[slot] = id;
            _durableMs[slot] = durableMs;
        }
    }

    /// <summary>Latencies of the samples found in <paramref name="index"/>; the first durable time of an id counts.</summary>
    public (LatencySamples Samples, int Unmatched) Join(ProduceTimeIndex index)
    {
        int n = Count;
        var first = new Dictionary<ulong, long>(n);
        for (int i = 0; i < n; i++)
        {
            if (!first.TryGetValue(_ids[i], out long earlier) || _durableMs[i] < earlier)
            {
                first[_ids[i]] = _durableMs[i];
            }
        }

        var samples = new LatencySamples(first.Count);
        int unmatched = 0;
        foreach ((ulong id, long durable) in first)
        {
            if (index.TryGet(id, out long produced))
            {
                samples.Add(durable - produced, durable);
            }
            else
            {
                unmatched++;
            }
        }

        return (samples, unmatched);
    }
}

namespace TelemetryPipeline.Perf.Load;

/// <summary>The figures of one contender, as printed and written to JSON.</summary>
internal sealed record ContenderResult
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public long Events { get; init; }

    /// <summary>From partitions assigned to the last record durable (the group join is excluded).</summary>
    public double ActiveSeconds { get; init; }

    /// <summary>From the contender's start (before its consumer joined) to the last record durable.</summary>
    public double WallSeconds { get; init; }

    public double EventsPerSecond { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>Samples whose produce timestamp was not found (TelemetryPipeline's joined samples only).</summary>
    public int LatencyUnmatched { get; init; }

    /// <summary>Commands the client sent (script calls count one each) per 1,000 events; null without Redis.</summary>
    public double? RedisCallsPer1000 { get; init; }

    public long RedisCommands { get; init; }

    public long RedisRoundTrips { get; init; }

    /// <summary>Server <c>INFO commandstats</c> calls (scripts' inner commands included; admin commands excluded).</summary>
    public SortedDictionary<string, long> RedisCommandStats { get; init; } = [];

    /// <summary>Event ids remembered for dedupe (hash fields, or top-level keys for the naive reference).</summary>
    public long RememberedIds { get; init; }

    /// <summary>Keys holding the remembered ids (dedupe sets; for the naive reference one key per id).</summary>
    public long RememberedIdKeys { get; init; }

    /// <summary><c>used_memory</c> of the dedupe keys alone (everything else deleted) minus the empty server's, per remembered id.</summary>
    public double? RedisBytesPerRememberedId { get; init; }

    /// <summary><c>used_memory</c> of all state (dedupe, buckets, meters) minus the empty server's, per remembered id.</summary>
    public double? RedisStateBytesPerRememberedId { get; init; }

    public long RedisUsedMemoryBytes { get; init; }

    public double? RedisCpuSeconds { get; init; }

    public double AllocatedBytesPerEvent { get; init; }

    public long AllocatedBytes { get; init; }

    public int Gen0 { get; init; }

    public int Gen1 { get; init; }

    public int Gen2 { get; init; }

    /// <summary>CPU seconds of this process (the contender, its Kafka client threads and the measurement).</summary>
    public double CpuSeconds { get; init; }

    public double CpuMicrosecondsPerEvent { get; init; }

    /// <summary>CPU seconds of the broker child process during the run (null when the broker is in process).</summary>
    public double? BrokerCpuSeconds { get; init; }

    /// <summary>This process's CPU seconds by thread name: where the time went.</summary>
    public SortedDictionary<string, double> ThreadCpuSeconds { get; init; } = [];

    public SortedDictionary<string, double> Counters { get; init; } = [];

    /// <summary>Thread pool and GC per second of the run (line up with <see cref="LatencySummary.PerSecond"/> by Unix second).</summary>
    public List<RuntimeWindow> Runtime { get; init; } = [];

    /// <summary>TelemetryPipeline only: store applies per second (batches, events, slowest apply).</summary>
    public List<ApplyWindow> Applies { get; init; } = [];

    /// <summary>Paced mode only: the target and achieved production rate, and the producer's worst lag behind schedule.</summary>
    public PacedInfo? Paced { get; init; }

    public double[] LoadAverageBefore { get; init; } = [];

    public double[] LoadAverageAfter { get; init; } = [];
}

internal sealed record PacedInfo(
    double TargetRate, double ProducedRate, long Produced, double ProducerMaxBehindMs, string Basis, double ProducerFirstSecondMaxAckMs = 0, double ProducerMaxAckMsAfter = 0);

/// <summary>One target of the issue, checked as a ratio or bound in the same run.</summary>
internal sealed record TargetResult(string Target, string Measured, bool? Met, string Note);

/// <summary>Everything one <c>load</c> run measured.</summary>
internal sealed record LoadRunResult
{
    public required string StartedUtc { get; init; }

    public required string CommandLine { get; init; }

    public required string Machine { get; init; }

    public double[] LoadAverageStart { get; init; } = [];

    public double[] LoadAverageEnd { get; set; } = [];

    public required LoadOptions Options { get; init; }

    public required DatasetInfo Dataset { get; init; }

    public List<ContenderResult> Contenders { get; init; } = [];

    public ContenderResult? Paced { get; set; }

    public List<TargetResult> Targets { get; set; } = [];
}

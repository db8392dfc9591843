namespace TelemetryPipeline.Ingest;

/// <summary>Knobs of the ingest path (configuration section <c>Ingest</c>), validated once at start-up.</summary>
public sealed record IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>
    /// Most records in one batch, i.e. in one atomic Redis call per shard. 5,000: large enough that Redis round trips
    /// cost well under one per 1,000 events, small enough that one Lua call stays in the low milliseconds.
    /// </summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>
    /// How long a batch waits for more records once its first one arrived; bounds latency on a quiet stream. 25 ms gave
    /// the best p99 at half of the maximum rate here (perf/results/README.md); a full batch never waits.
    /// </summary>
    public int BatchLingerMs { get; init; } = 25;

    /// <summary>Threads decoding and validating one batch; Avro decode is the CPU-heavy stage.</summary>
    public int DecodeParallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Batches consumed but not yet durable (the bounded channel between consume and apply). When it is full the
    /// consume loop waits: back-pressure, not unbounded memory.
    /// </summary>
    public int MaxBatchesInFlight { get; init; } = 4;

    /// <summary>First delay before retrying a failed Redis apply or DLQ produce; doubles up to <see cref="MaxRetryDelayMs"/>.</summary>
    public int RetryDelayMs { get; init; } = 200;

    public int MaxRetryDelayMs { get; init; } = 10_000;

    /// <summary>Original headers copied to a DLQ record, at most: a header flood must not be copied whole.</summary>
    public int MaxDlqCopiedHeaders { get; init; } = 32;

    /// <summary>Payload bytes copied to a DLQ record, at most (header <c>tp-truncated</c> gives the original length).</summary>
    public int MaxDlqPayloadBytes { get; init; } = 512 * 1024;

    /// <summary>
    /// Confluent schema id → schema resource (e.g. <c>7: EquipmentUsage.v1</c>) for records framed with
    /// magic byte 0 + schema id; single-object encoded records need no mapping.
    /// </summary>
    public IReadOnlyDictionary<int, string> ConfluentSchemaIds { get; init; } = new Dictionary<int, string>();

    public void Validate()
    {
        Range(nameof(BatchSize), BatchSize, 1, 100_000);
        Range(nameof(BatchLingerMs), BatchLingerMs, 0, 60_000);
        Range(nameof(DecodeParallelism), DecodeParallelism, 1, 256);
        Range(nameof(MaxBatchesInFlight), MaxBatchesInFlight, 1, 64);
        Range(nameof(RetryDelayMs), RetryDelayMs, 1, 60_000);
        Range(nameof(MaxRetryDelayMs), MaxRetryDelayMs, RetryDelayMs, 600_000);
        Range(nameof(MaxDlqCopiedHeaders), MaxDlqCopiedHeaders, 0, 1_000);
        Range(nameof(MaxDlqPayloadBytes), MaxDlqPayloadBytes, 0, 900 * 1024);
    }

    private static void Range(string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(key, value, $"{Section}:{key} must be between {min} and {max} (got {value}).");
        }
    }
}

using System.Globalization;

namespace TelemetryPipeline.Perf.Load;

/// <summary>Where the Kafka mock cluster runs during a load run.</summary>
internal enum BrokerMode
{
    /// <summary>A child process of the harness: its CPU is not counted as the contenders' (default for real runs).</summary>
    Process,

    /// <summary>In the harness process (the smoke test): simpler, but the broker's CPU lands in every contender's CPU seconds.</summary>
    InProcess,
}

/// <summary>
/// What one <c>load</c> run does. The ingest knobs mirror <c>Ingest:*</c> and <c>Kafka:*</c> of appsettings.json, so a
/// value that wins here can be copied there unchanged. Immutable; <see cref="Validate"/> names the bad option.
/// </summary>
internal sealed record LoadOptions
{
    /// <summary>Telemetry records produced once and consumed by every contender (duplicates and bad records included).</summary>
    public long Events { get; init; } = 2_000_000;

    /// <summary>
    /// Partitions per telemetry topic. The mock cluster keeps at most 5 MiB of (lz4) batches per partition: 2M events of
    /// 109 B are ~70 MB per topic before compression, so 32 per topic leaves ample room (the full runs used 32); the
    /// harness stops if a partition was trimmed.
    /// </summary>
    public int Partitions { get; init; } = 32;

    /// <summary>Contenders to run, in order: <c>bare</c>, <c>naive</c>, <c>tp</c>.</summary>
    public IReadOnlyList<string> Contenders { get; init; } = ["bare", "naive", "tp"];

    /// <summary>Most events the naive pipeline processes (it is slow by design); null: all of them.</summary>
    public long? NaiveEvents { get; init; }

    /// <summary>Run the paced mode (TelemetryPipeline consuming while a producer runs at a fixed rate) after the contenders.</summary>
    public bool Paced { get; init; } = true;

    /// <summary>Paced rate in events/s; null: half of TelemetryPipeline's drain rate measured in the same run.</summary>
    public double? PacedRate { get; init; }

    /// <summary>How long the paced producer runs, in seconds (events = rate × seconds, at most <see cref="Events"/>).</summary>
    public double PacedSeconds { get; init; } = 30;

    /// <summary>
    /// Seconds between the paced consumer's assignment and the first paced record. After a group join the consumer
    /// still fetches committed offsets and lists the earliest offsets of every partition; 10 s keeps that group
    /// start-up out of the measurement.
    /// </summary>
    public double PacedStartDelaySeconds { get; init; } = 10;

    /// <summary>One latency sample per this many records (dedupe ids whose low bits are zero, for TelemetryPipeline).</summary>
    public int LatencySampleEvery { get; init; } = 16;

    public BrokerMode Broker { get; init; } = BrokerMode.Process;

    /// <summary>Directory for the JSON and SVG results.</summary>
    public string OutputDirectory { get; init; } = "perf/results";

    /// <summary>Scenario seed (the same seed gives the same records).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Longest a contender may take before the run is abandoned as stuck.</summary>
    public TimeSpan ContenderTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A short name for the result files, e.g. <c>smoke</c>.</summary>
    public string Label { get; init; } = "load";

    // Ingest knobs (Ingest:*), defaults as in IngestOptions.

    public int BatchSize { get; init; } = 5_000;

    public int BatchLingerMs { get; init; } = 25;

    public int DecodeParallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    public int MaxBatchesInFlight { get; init; } = 4;

    // Kafka consumer knobs (Kafka:*), defaults as in KafkaOptions.

    public int FetchMaxBytes { get; init; } = 52_428_800;

    public int MaxPartitionFetchBytes { get; init; } = 1_048_576;

    public int FetchWaitMaxMs { get; init; } = 10;

    public int QueuedMaxMessagesKbytes { get; init; } = 65_536;

    /// <summary>librdkafka debug contexts for every contender's consumer (Kafka:Debug), e.g. <c>consumer,fetch</c>; to stderr.</summary>
    public string? KafkaDebug { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option and its allowed range.</summary>
    public void Validate()
    {
        Range("--events", Events, 100, 100_000_000);
        Range("--partitions", Partitions, 1, 256);
        if (Contenders.Count == 0)
        {
            throw new ArgumentException("--contenders must name at least one of bare, naive, tp.");
        }

        foreach (string contender in Contenders)
        {
            if (contender is not ("bare" or "naive" or "tp"))
            {
                throw new ArgumentException($"--contenders: '{contender}' is not one of bare, naive, tp.");
            }
        }

        if (NaiveEvents is { } naive)
        {
            Range("--naive-events", naive, 1, Events);
        }

        if (PacedRate is { } rate && !(rate >= 10 && rate <= 10_000_000))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--paced-rate must be between 10 and 10000000 events/s (got {rate})."));
        }

        if (!(PacedSeconds >= 1 && PacedSeconds <= 3600))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--paced-seconds must be between 1 and 3600 (got {PacedSeconds})."));
        }

        if (!(PacedStartDelaySeconds >= 0 && PacedStartDelaySeconds <= 60))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--paced-start-delay must be between 0 and 60 seconds (got {PacedStartDelaySeconds})."));
        }

        if (LatencySampleEvery is < 1 or > 65536 || (LatencySampleEvery & (LatencySampleEvery - 1)) != 0)
        {
            throw new ArgumentException($"--latency-sample must be a power of two between 1 and 65536 (got {LatencySampleEvery}).");
        }

        Range("--batch-size", BatchSize, 1, 100_000);
        Range("--linger-ms", BatchLingerMs, 0, 60_000);
        Range("--decode-parallelism", DecodeParallelism, 1, 256);
        Range("--max-batches-in-flight", MaxBatchesInFlight, 1, 64);
        Range("--fetch-max-bytes", FetchMaxBytes, 1_000_000, 99_999_488);
        Range("--max-partition-fetch-bytes", MaxPartitionFetchBytes, 1024, FetchMaxBytes);
        Range("--fetch-wait-max-ms", FetchWaitMaxMs, 1, 30_000);
        Range("--queued-max-kbytes", QueuedMaxMessagesKbytes, 1024, 2_097_151);
        if (string.IsNullOrWhiteSpace(Label) || Label.AsSpan().IndexOfAny("/\\ ") >= 0)
        {
            throw new ArgumentException($"--label must be a non-empty file-name part without slashes or spaces (got '{Label}').");
        }
    }

    private static void Range(string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {value})."));
        }
    }
}

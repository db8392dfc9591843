using Confluent.Kafka;

namespace TelemetryPipeline.Kafka;

/// <summary>
/// Kafka client settings (configuration section <c>Kafka</c>), validated once at start-up, turned
/// into Confluent configs by <see cref="ToConsumerConfig"/> and <see cref="ToProducerConfig"/>.
/// Defaults are tuned for the pipeline's batch consumer and work against both Apache Kafka and
/// librdkafka's mock cluster.
/// </summary>
public sealed record KafkaOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list. Required.</summary>
    public string BootstrapServers { get; init; } = string.Empty;

    /// <summary>Consumer group shared by all pipeline instances; instances split the partitions.</summary>
    public string GroupId { get; init; } = "telemetry-pipeline";

    /// <summary>Client id reported to the brokers (shows up in broker logs and quotas).</summary>
    public string ClientId { get; init; } = "telemetry-pipeline";

    /// <summary>
    /// Group session timeout. 6000, not librdkafka's 45000: a consumer that leaves without a clean
    /// LeaveGroup keeps its partitions until the session expires, and on the mock cluster the 45 s
    /// default makes every rejoin take ~27 s; below ~3000 the mock cluster never completes an
    /// assignment (2000 never assigns).
    /// </summary>
    public int SessionTimeoutMs { get; init; } = 6000;

    /// <summary>Heartbeat interval; must be well under <see cref="SessionTimeoutMs"/> (Kafka's rule of thumb: a third).</summary>
    public int HeartbeatIntervalMs { get; init; } = 2000;

    /// <summary>Longest time between two polls before the consumer is considered stuck and its partitions reassigned.</summary>
    public int MaxPollIntervalMs { get; init; } = 300_000;

    /// <summary>
    /// <c>range</c>, <c>roundrobin</c> or <c>cooperative-sticky</c>. roundrobin (eager): spreads the
    /// three telemetry topics' partitions evenly over instances, and every rebalance revokes everything,
    /// which keeps "commit only what is durable" simple; the mock cluster's coordinator handles it.
    /// </summary>
    public string PartitionAssignmentStrategy { get; init; } = "roundrobin";

    /// <summary>Upper bound of one fetch response across partitions (librdkafka default).</summary>
    public int FetchMaxBytes { get; init; } = 52_428_800;

    /// <summary>Upper bound of one partition's share of a fetch (librdkafka default).</summary>
    public int MaxPartitionFetchBytes { get; init; } = 1_048_576;

    /// <summary>Pre-fetch buffer per consumer, in KiB: bounds memory when processing lags behind fetching.</summary>
    public int QueuedMaxMessagesKbytes { get; init; } = 65_536;

    /// <summary>
    /// How long a broker may hold a fetch waiting for data; bounds the latency of a quiet topic. 10 ms (librdkafka's
    /// default is 500) halved p50 and p99 at half of the maximum rate here; it costs more fetch requests on idle partitions.
    /// </summary>
    public int FetchWaitMaxMs { get; init; } = 10;

    /// <summary>Producer batching delay: larger batches compress better and cost fewer requests.</summary>
    public int LingerMs { get; init; } = 5;

    /// <summary>Most messages in one producer batch.</summary>
    public int BatchNumMessages { get; init; } = 10_000;

    /// <summary>Most bytes in one producer batch.</summary>
    public int BatchSizeBytes { get; init; } = 1_000_000;

    /// <summary>
    /// <c>none</c>, <c>gzip</c>, <c>snappy</c>, <c>lz4</c> or <c>zstd</c>. lz4: cheap on CPU and it
    /// shrinks Avro telemetry ~3×, which also keeps more records inside the mock cluster's bounded retention.
    /// </summary>
    public string CompressionType { get; init; } = "lz4";

    /// <summary><c>all</c>, <c>leader</c> or <c>none</c>. all: a DLQ record or generated load is not lost with a leader.</summary>
    public string Acks { get; init; } = "all";

    /// <summary>Idempotent producer. Off: the pipeline's exactly-once comes from Redis, not from Kafka.</summary>
    public bool EnableIdempotence { get; init; }

    /// <summary>Most messages waiting in the producer's local queue; Produce throws "queue full" beyond it.</summary>
    public int QueueBufferingMaxMessages { get; init; } = 100_000;

    /// <summary>Most KiB waiting in the producer's local queue.</summary>
    public int QueueBufferingMaxKbytes { get; init; } = 1_048_576;

    /// <summary>A message not delivered within this time fails with a delivery error (one minute rather than librdkafka's five).</summary>
    public int MessageTimeoutMs { get; init; } = 60_000;

    /// <summary>
    /// How the ingest pipeline commits offsets once a batch is durable in Redis. 0: a synchronous commit per batch (one
    /// broker round trip on the hot path). Above 0 (default 1000 ms): the batch's offsets are stored locally and
    /// librdkafka commits the stored offsets in the background every this many ms, on revocation and on close — never
    /// an offset whose batch is not durable; a crash replays at most this much more, which the dedupe absorbs.
    /// </summary>
    public int CommitIntervalMs { get; init; } = 1_000;

    /// <summary>
    /// librdkafka debug contexts for troubleshooting (e.g. <c>consumer,fetch</c>; see librdkafka's CONFIGURATION.md
    /// <c>debug</c>), written to standard error by the clients. Unset in normal operation: it is verbose.
    /// </summary>
    public string? Debug { get; init; }

    /// <summary>librdkafka statistics callback interval; 0 disables statistics.</summary>
    public int StatisticsIntervalMs { get; init; }

    /// <summary>Topic names (<c>Kafka:Topics</c>).</summary>
    public TopicNames Topics { get; init; } = new();

    /// <summary>Throws a <see cref="KafkaSetupException"/> naming the first bad key and its allowed range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw Bad(nameof(BootstrapServers), "must be a comma-separated host:port list, e.g. 127.0.0.1:9092");
        }

        foreach (var server in BootstrapServers.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            {
                throw Bad(nameof(BootstrapServers), $"must be a comma-separated host:port list, e.g. 127.0.0.1:9092 (got '{server}')");
            }
        }

        NotEmpty(nameof(GroupId), GroupId);
        NotEmpty(nameof(ClientId), ClientId);
        Range(nameof(SessionTimeoutMs), SessionTimeoutMs, 3000, 300_000);
        Range(nameof(HeartbeatIntervalMs), HeartbeatIntervalMs, 100, SessionTimeoutMs - 1, $"{Key(nameof(SessionTimeoutMs))} - 1");
        Range(nameof(MaxPollIntervalMs), MaxPollIntervalMs, SessionTimeoutMs, 86_400_000, Key(nameof(SessionTimeoutMs)));
        OneOf(nameof(PartitionAssignmentStrategy), PartitionAssignmentStrategy, "range", "roundrobin", "cooperative-sticky");

        // librdkafka refuses fetch.max.bytes below message.max.bytes (1000000) and above receive.message.max.bytes - 512.
        Range(nameof(FetchMaxBytes), FetchMaxBytes, 1_000_000, 99_999_488);
        Range(nameof(MaxPartitionFetchBytes), MaxPartitionFetchBytes, 1024, FetchMaxBytes, Key(nameof(FetchMaxBytes)));
        Range(nameof(QueuedMaxMessagesKbytes), QueuedMaxMessagesKbytes, 1024, 2_097_151);
        Range(nameof(FetchWaitMaxMs), FetchWaitMaxMs, 1, 30_000);

        Range(nameof(LingerMs), LingerMs, 0, 900_000);
        Range(nameof(BatchNumMessages), BatchNumMessages, 1, 1_000_000);
        Range(nameof(BatchSizeBytes), BatchSizeBytes, 1, 2_147_483_647);
        OneOf(nameof(CompressionType), CompressionType, "none", "gzip", "snappy", "lz4", "zstd");
        OneOf(nameof(Acks), Acks, "all", "leader", "none");
        Range(nameof(QueueBufferingMaxMessages), QueueBufferingMaxMessages, 1, 10_000_000);
        Range(nameof(QueueBufferingMaxKbytes), QueueBufferingMaxKbytes, 1, 2_147_483_647);
        Range(nameof(MessageTimeoutMs), MessageTimeoutMs, 1000, 2_147_483_647);
        Range(nameof(StatisticsIntervalMs), StatisticsIntervalMs, 0, 86_400_000);
        Range(nameof(CommitIntervalMs), CommitIntervalMs, 0, 60_000);
        if (Debug is not null && (Debug.Length == 0 || Debug.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz,")))
        {
            throw Bad(nameof(Debug), $"must be a comma-separated list of librdkafka debug contexts such as consumer,fetch (got '{Debug}')");
        }

        ArgumentNullException.ThrowIfNull(Topics);
        Topics.Validate();
    }

    /// <summary>
    /// A consumer config for the pipeline's batch consumer: manual commits only (auto-commit and
    /// auto offset store off, so an offset is committed only after the batch is durable), and new
    /// groups start from the earliest offset so nothing produced before the first start is skipped.
    /// </summary>
    /// <remarks>
    /// <c>IConsumer.Commit</c> during a rebalance throws a <see cref="KafkaException"/> with
    /// <see cref="ErrorCode.RebalanceInProgress"/> ("Group rebalance in progress"); callers catch it (or use
    /// <see cref="ConsumerCommit.TryCommit"/>). The commit is lost, and rebalances redeliver every
    /// uncommitted record to the partition's next owner, so downstream must be idempotent (the Redis
    /// dedupe absorbs them).
    /// </remarks>
    public ConsumerConfig ToConsumerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = GroupId,
        ClientId = ClientId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnablePartitionEof = false,
        SessionTimeoutMs = SessionTimeoutMs,
        HeartbeatIntervalMs = HeartbeatIntervalMs,
        MaxPollIntervalMs = MaxPollIntervalMs,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy switch
        {
            "range" => Confluent.Kafka.PartitionAssignmentStrategy.Range,
            "cooperative-sticky" => Confluent.Kafka.PartitionAssignmentStrategy.CooperativeSticky,
            _ => Confluent.Kafka.PartitionAssignmentStrategy.RoundRobin,
        },
        FetchMaxBytes = FetchMaxBytes,
        MaxPartitionFetchBytes = MaxPartitionFetchBytes,
        QueuedMaxMessagesKbytes = QueuedMaxMessagesKbytes,
        FetchWaitMaxMs = FetchWaitMaxMs,
        StatisticsIntervalMs = StatisticsIntervalMs,
        Debug = Debug,
    };

    /// <summary>A producer config for DLQ records and generated load: batched, compressed, not idempotent.</summary>
    public ProducerConfig ToProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        ClientId = ClientId,
        LingerMs = LingerMs,
        BatchNumMessages = BatchNumMessages,
        BatchSize = BatchSizeBytes,
        CompressionType = CompressionType switch
        {
            "none" => Confluent.Kafka.CompressionType.None,
            "gzip" => Confluent.Kafka.CompressionType.Gzip,
            "snappy" => Confluent.Kafka.CompressionType.Snappy,
            "zstd" => Confluent.Kafka.CompressionType.Zstd,
            _ => Confluent.Kafka.CompressionType.Lz4,
        },
        Acks = Acks switch
        {
            "none" => Confluent.Kafka.Acks.None,
            "leader" => Confluent.Kafka.Acks.Leader,
            _ => Confluent.Kafka.Acks.All,
        },
        EnableIdempotence = EnableIdempotence,
        QueueBufferingMaxMessages = QueueBufferingMaxMessages,
        QueueBufferingMaxKbytes = QueueBufferingMaxKbytes,
        MessageTimeoutMs = MessageTimeoutMs,
        StatisticsIntervalMs = StatisticsIntervalMs,
    };

    private static string Key(string property) => $"{Section}:{property}";

    private static KafkaSetupException Bad(string property, string rule) =>
        KafkaSetupException.ForKey(Key(property), $"{Key(property)} {rule}.");

    private static void NotEmpty(string property, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Bad(property, "must not be empty");
        }
    }

    private static void Range(string property, int value, int min, int max, string? maxName = null)
    {
        if (value < min || value > max)
        {
            var upper = maxName is null ? max.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{maxName} ({max})";
            throw Bad(property, $"must be between {min} and {upper} (got {value})");
        }
    }

    private static void OneOf(string property, string? value, params string[] allowed)
    {
        if (value is null || Array.IndexOf(allowed, value) < 0)
        {
            throw Bad(property, $"must be one of {string.Join(", ", allowed)} (got '{value}')");
        }
    }
}

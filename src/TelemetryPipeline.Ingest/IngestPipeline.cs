using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Ingest;

/// <summary>
/// The ingest path of ARCHITECTURE.md: consume (batch) → decode (Avro) → validate/normalize → dedupe+buckets
/// (one atomic store call per batch per shard) → DLQ for rejections → commit offsets. Offsets are committed only
/// after the batch's effects are durable, in partition order, so a crash anywhere is followed by a replay that the
/// dedupe absorbs.
/// </summary>
public sealed partial class IngestPipeline : IAsyncDisposable
{
    // Once shutdown is requested, batches already consumed get this long to become durable and committed.
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(30);

    private readonly IngestOptions _options;
    private readonly KafkaOptions _kafka;
    private readonly TelemetryCodec _codec;
    private readonly ITelemetryStore _store;
    private readonly NormalizationRules _rules;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly IngestMetrics _metrics;
    private readonly IngestTotals _totals = new();
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly IProducer<byte[], byte[]> _dlqProducer;
    private readonly ConcurrentDictionary<TopicPartition, bool> _atEof = new();
    private int _batchesInFlight;
    private volatile bool _everAssigned;
    private long _lastRecordTimestamp = Stopwatch.GetTimestamp();

    public IngestPipeline(
        IngestOptions options,
        KafkaOptions kafka,
        TelemetryCodec codec,
        ITelemetryStore store,
        IngestMetrics metrics,
        ILogger logger,
        NormalizationRules? rules = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kafka);
        options.Validate();
        kafka.Validate();
        _options = options;
        _kafka = kafka;
        _codec = codec ?? throw new ArgumentNullException(nameof(codec));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _rules = rules ?? NormalizationRules.Default;
        _clock = clock ?? TimeProvider.System;

        KafkaNative.EnsureLoaded();
        ConsumerConfig consumerConfig = kafka.ToConsumerConfig();
        consumerConfig.EnablePartitionEof = true;
        if (kafka.CommitIntervalMs > 0)
        {
            // Offsets are stored only after their batch is durable (auto offset store stays off); librdkafka commits what
            // was stored in the background, on revocation and on close.
            consumerConfig.EnableAutoCommit = true;
            consumerConfig.AutoCommitIntervalMs = kafka.CommitIntervalMs;
        }

        _consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code, error.Reason, null))
            .Build();
        _dlqProducer = new ProducerBuilder<byte[], byte[]>(kafka.ToProducerConfig())
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code, error.Reason, null))
            .Build();
    }

    /// <summary>Running totals of this pipeline instance.</summary>
    public IngestTotals Totals => _totals;

    /// <summary>Called after each record reached the DLQ (e.g. to show the latest rejections on the pipeline page).</summary>
    public Action<DeadLetter>? DeadLettered { get; set; }

    /// <summary>Test seam: runs after a batch is durable in the store and before its offsets are committed.</summary>
    internal Func<int, CancellationToken, Task>? AfterApplyBeforeCommit { get; set; }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled (then finishes the batches in flight, commits and
    /// closes the consumer), or — with <paramref name="untilIdle"/> — until every assigned partition is caught up and
    /// nothing arrived for that long.
    /// </summary>
    public async Task<IngestTotals> RunAsync(TimeSpan? untilIdle, CancellationToken cancellationToken)
    {
        var batches = Channel.CreateBounded<ConsumedBatch>(new BoundedChannelOptions(_options.MaxBatchesInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var drainStop = new CancellationTokenSource();
        using CancellationTokenRegistration onStop = cancellationToken.Register(() => drainStop.CancelAfter(s_drainTimeout));

        // When the apply stage dies, the consume stage must stop too instead of waiting on a channel nobody drains.
        using var consumeStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        WarmUpDeadLetterProducer();
        _consumer.Subscribe(_kafka.Topics.Telemetry);
        LogStarted(_logger, string.Join(",", _kafka.Topics.Telemetry), _kafka.GroupId, _options.BatchSize);
        Task consume = Task.Factory.StartNew(
            () => ConsumeLoop(batches.Writer, untilIdle, consumeStop.Token),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Task process = ProcessLoopAsync(batches.Reader, drainStop.Token);
        _ = process.ContinueWith(
            static (_, state) => ((CancellationTokenSource)state!).Cancel(),
            consumeStop,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        try
        {
            await Task.WhenAll(consume, process).ConfigureAwait(false);
        }
        finally
        {
            // Close (not just dispose): leaves the group at once, so partitions move without waiting for the session timeout.
            CloseConsumer();
        }

        LogStopped(_logger, _totals.Consumed, _totals.Applied, _totals.Duplicates, _totals.Rejected);
        return _totals;
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        _everAssigned |= partitions.Count > 0;
        foreach (TopicPartition partition in partitions)
        {
            _atEof[partition] = false;
        }

        LogAssigned(_logger, string.Join(", ", partitions));
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        foreach (TopicPartitionOffset partition in partitions)
        {
            _atEof.TryRemove(partition.TopicPartition, out _);
        }

        if (_kafka.CommitIntervalMs > 0)
        {
            // Hand the partitions over with what is durable committed (librdkafka would also do so; being explicit costs one call).
            try
            {
                _consumer.Commit();
            }
            catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_NoOffset or ErrorCode.RebalanceInProgress or ErrorCode.Local_State)
            {
                LogCommitOnRevokeSkipped(_logger, ex.Error.Reason);
            }
        }

        LogRevoked(_logger, partitions.Count);
    }

    /// <summary>
    /// Has the DLQ producer learn the DLQ topic's metadata now: librdkafka otherwise holds a new topic's first records until
    /// its next topic scan (up to a second), and the batch with the first rejection would stall the stream that long.
    /// </summary>
    private void WarmUpDeadLetterProducer()
    {
        try
        {
            using IAdminClient admin = new DependentAdminClientBuilder(_dlqProducer.Handle).Build();
            admin.GetMetadata(_kafka.Topics.Dlq, TimeSpan.FromSeconds(5));
        }
        catch (KafkaException ex)
        {
            // Not fatal: the first rejection then waits for the metadata instead.
            LogKafkaError(_logger, ex.Error.Code, ex.Error.Reason, ex);
        }
    }

    private void CloseConsumer()
    {
        try
        {
            _consumer.Close();
        }
        catch (KafkaException ex)
        {
            LogKafkaError(_logger, ex.Error.Code, ex.Error.Reason, ex);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _consumer.Dispose();
        _dlqProducer.Flush(TimeSpan.FromSeconds(5));
        _dlqProducer.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Ingest started: topics {Topics}, group {Group}, batch size {BatchSize}")]
    private static partial void LogStarted(ILogger logger, string topics, string group, int batchSize);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Ingest stopped: {Consumed} consumed, {Applied} applied, {Duplicates} duplicates, {Rejected} rejected")]
    private static partial void LogStopped(ILogger logger, long consumed, long applied, long duplicates, long rejected);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    private static partial void LogAssigned(ILogger logger, string partitions);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Count} partitions revoked; uncommitted records will be redelivered and deduplicated")]
    private static partial void LogRevoked(ILogger logger, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Kafka: {Code} {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason, Exception? exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Commit on revocation skipped ({Reason}); the next owner replays from the last commit")]
    private static partial void LogCommitOnRevokeSkipped(ILogger logger, string reason);
}

/// <summary>Consumed records of one batch, in consume order.</summary>
internal sealed class ConsumedBatch(List<ConsumeResult<byte[], byte[]>> records, long startedTimestamp)
{
    public List<ConsumeResult<byte[], byte[]>> Records { get; } = records;

    public long StartedTimestamp { get; } = startedTimestamp;
}

/// <summary>What one pipeline instance has done so far (thread-safe counters).</summary>
public sealed class IngestTotals
{
    private long _consumed;
    private long _applied;
    private long _duplicates;
    private long _rejected;
    private long _incidents;
    private long _batches;
    private long _redisCalls;

    public long Consumed => Interlocked.Read(ref _consumed);
    public long Applied => Interlocked.Read(ref _applied);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long MeterIncidents => Interlocked.Read(ref _incidents);
    public long Batches => Interlocked.Read(ref _batches);
    public long RedisCalls => Interlocked.Read(ref _redisCalls);

    public ConcurrentDictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);

    internal void AddBatch(int consumed, int redisCalls)
    {
        Interlocked.Add(ref _consumed, consumed);
        Interlocked.Add(ref _redisCalls, redisCalls);
        Interlocked.Increment(ref _batches);
    }

    internal void AddOutcome(EventOutcome outcome)
    {
        switch (outcome)
        {
            case EventOutcome.Duplicate:
                Interlocked.Increment(ref _duplicates);
                break;
            case EventOutcome.Reset or EventOutcome.Anomaly or EventOutcome.LateReading:
                Interlocked.Increment(ref _incidents);
                break;
            default:
                Interlocked.Increment(ref _applied);
                break;
        }
    }

    internal void AddRejection(string reason)
    {
        Interlocked.Increment(ref _rejected);
        RejectedByReason.AddOrUpdate(reason, 1, static (_, n) => n + 1);
    }
}

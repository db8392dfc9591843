using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Ingest;

/// <summary>
/// Consumes the compacted master-data topics (assignments, rates, aliases) into an <see cref="IMasterDataStore"/>:
/// decode, upsert, then commit. Its own consumer group reads from the earliest offset the first time and resumes from
/// the committed offsets afterwards, so a restart does not re-read the whole topics. Undecodable records are logged and
/// counted, never fatal (master data is not telemetry: it has no DLQ of its own).
/// </summary>
public sealed partial class MasterDataIngest : IDisposable
{
    private const int MaxBatch = 10_000;

    private readonly TelemetryCodec _codec;
    private readonly IMasterDataStore _store;
    private readonly ILogger _logger;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly KafkaOptions _kafka;
    private readonly HashSet<TopicPartition> _atEof = [];
    private long _upserted;
    private long _undecodable;

    public MasterDataIngest(KafkaOptions kafka, TelemetryCodec codec, IMasterDataStore store, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        kafka.Validate();
        _kafka = kafka;
        _codec = codec ?? throw new ArgumentNullException(nameof(codec));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        KafkaNative.EnsureLoaded();
        ConsumerConfig config = kafka.ToConsumerConfig();
        config.GroupId = kafka.GroupId + "-masterdata";
        config.EnablePartitionEof = true;
        _consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                lock (_atEof)
                {
                    _atEof.Clear();
                }
            })
            .Build();
    }

    public long Upserted => Interlocked.Read(ref _upserted);

    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>
    /// Consumes until cancelled, or — with <paramref name="untilCaughtUp"/> — until every assigned partition reached its
    /// end (bounded by <paramref name="maxWait"/> when no partition gets assigned, e.g. the topics do not exist yet).
    /// </summary>
    public Task RunAsync(bool untilCaughtUp, TimeSpan maxWait, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () => Run(untilCaughtUp, maxWait, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

    private async Task Run(bool untilCaughtUp, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        _consumer.Subscribe(_kafka.Topics.MasterData);
        DateTime deadline = DateTime.UtcNow + maxWait;
        var pending = new List<ConsumeResult<byte[], byte[]>>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is { IsPartitionEOF: true })
                {
                    lock (_atEof)
                    {
                        _atEof.Add(result.TopicPartition);
                    }
                }
                else if (result is not null)
                {
                    lock (_atEof)
                    {
                        _atEof.Remove(result.TopicPartition);
                    }

                    pending.Add(result);
                    if (pending.Count < MaxBatch)
                    {
                        continue;
                    }
                }

                if (pending.Count > 0)
                {
                    await FlushAsync(pending, cancellationToken).ConfigureAwait(false);
                    pending.Clear();
                }

                if (untilCaughtUp && (CaughtUp() || (_consumer.Assignment.Count == 0 && DateTime.UtcNow > deadline)))
                {
                    return;
                }
            }
        }
        finally
        {
            _consumer.Close();
        }
    }

    private bool CaughtUp()
    {
        List<TopicPartition> assignment = _consumer.Assignment;
        if (assignment.Count == 0)
        {
            return false;
        }

        lock (_atEof)
        {
            return assignment.TrueForAll(_atEof.Contains);
        }
    }

    private async Task FlushAsync(List<ConsumeResult<byte[], byte[]>> records, CancellationToken cancellationToken)
    {
        var aliases = new List<EquipmentAlias>();
        var assignments = new List<EquipmentAssignment>();
        var rates = new List<EquipmentRate>();
        foreach (ConsumeResult<byte[], byte[]> record in records)
        {
            if (record.Message.Value is not { Length: > 0 } value)
            {
                // A tombstone on a compacted topic: the record's key is retired; timelines keep their history.
                continue;
            }

            if (!_codec.TryDecodeMasterData(value, out object? decoded, out Rejection rejection))
            {
                Interlocked.Increment(ref _undecodable);
                LogUndecodable(_logger, record.TopicPartitionOffset.ToString(), rejection.ToString());
                continue;
            }

            switch (decoded)
            {
                case EquipmentAlias alias:
                    aliases.Add(alias);
                    break;
                case EquipmentAssignment assignment:
                    assignments.Add(assignment);
                    break;
                case EquipmentRate rate:
                    rates.Add(rate);
                    break;
            }
        }

        var batch = new MasterDataBatch(aliases, assignments, rates);
        if (batch.Count > 0)
        {
            await _store.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _upserted, batch.Count);
        }

        var offsets = new Dictionary<TopicPartition, Offset>();
        foreach (ConsumeResult<byte[], byte[]> record in records)
        {
            offsets[record.TopicPartition] = record.Offset + 1;
        }

        try
        {
            _consumer.Commit([.. offsets.Select(static p => new TopicPartitionOffset(p.Key, p.Value))]);
        }
        catch (KafkaException ex)
        {
            // Upserts are idempotent: a failed commit only means these records are read again.
            LogCommitFailed(_logger, ex.Error.Reason);
        }
    }

    public void Dispose() => _consumer.Dispose();

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Master data record {Source} skipped: {Reason}")]
    private static partial void LogUndecodable(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Master data offset commit failed ({Reason}); the records will be read again")]
    private static partial void LogCommitFailed(ILogger logger, string reason);
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ingest;

public sealed partial class IngestPipeline
{
    // Below this many records a batch is decoded on the calling thread: fan-out costs more than it saves.
    private const int ParallelDecodeThreshold = 256;

    // Event lists handed to the store, reused: the batch being decoded and the one being applied each hold one.
    private readonly ConcurrentBag<List<NormalizedEvent>> _eventLists = [];

    private async Task ProcessLoopAsync(ChannelReader<ConsumedBatch> reader, CancellationToken drainToken)
    {
        // Batches already consumed are finished even after shutdown was requested (until the drain timeout):
        // their records are then durable and committed, not redelivered.
        // Two stages: batch n+1 is decoded (on this thread and the pool) while batch n is in Redis; applies and commits
        // stay one at a time and in order.
        Task? applying = null;
        while (true)
        {
            if (!reader.TryRead(out ConsumedBatch? batch))
            {
                if (applying is not null)
                {
                    await applying.ConfigureAwait(false);
                    applying = null;
                    continue;
                }

                if (!await reader.WaitToReadAsync(drainToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            DecodedRecord[] decoded;
            try
            {
                decoded = DecodeBatch(batch.Records);
            }
            catch
            {
                Interlocked.Decrement(ref _batchesInFlight);
                throw;
            }

            if (applying is not null)
            {
                await applying.ConfigureAwait(false);
            }

            applying = ApplyAndCommitAsync(batch, decoded, drainToken);
        }
    }

    private async Task ApplyAndCommitAsync(ConsumedBatch batch, DecodedRecord[] decoded, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessBatchAsync(batch, decoded, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<DecodedRecord>.Shared.Return(decoded, clearArray: true);
            Interlocked.Decrement(ref _batchesInFlight);
        }
    }

    // Rented (a 5,000-record batch's array is a large object: allocating one per batch would cost gen-2 collections).
    private DecodedRecord[] DecodeBatch(List<ConsumeResult<byte[], byte[]>> records)
    {
        DecodedRecord[] decoded = ArrayPool<DecodedRecord>.Shared.Rent(records.Count);
        long nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (records.Count >= ParallelDecodeThreshold && _options.DecodeParallelism > 1)
        {
            Parallel.For(
                0,
                records.Count,
                new ParallelOptions { MaxDegreeOfParallelism = _options.DecodeParallelism },
                i => decoded[i] = Decode(records[i], nowMs));
        }
        else
        {
            for (int i = 0; i < records.Count; i++)
            {
                decoded[i] = Decode(records[i], nowMs);
            }
        }

        return decoded;
    }

    private async Task ProcessBatchAsync(ConsumedBatch batch, DecodedRecord[] decoded, CancellationToken cancellationToken)
    {
        List<ConsumeResult<byte[], byte[]>> records = batch.Records;
        List<NormalizedEvent> accepted = _eventLists.TryTake(out List<NormalizedEvent>? pooled) ? pooled : new List<NormalizedEvent>(records.Count);
        List<int>? rejected = null;
        for (int i = 0; i < records.Count; i++)
        {
            if (decoded[i].Accepted)
            {
                accepted.Add(decoded[i].Event);
            }
            else
            {
                (rejected ??= []).Add(i);
            }
        }

        int redisCalls = 0;
        try
        {
            if (accepted.Count > 0)
            {
                ApplyBatchResult result = await ApplyWithRetryAsync(accepted, cancellationToken).ConfigureAwait(false);
                redisCalls = result.RedisCalls;
                foreach (EventOutcome outcome in result.Outcomes)
                {
                    _metrics.RecordOutcome(outcome);
                    _totals.AddOutcome(outcome);
                }
            }
        }
        finally
        {
            accepted.Clear();
            _eventLists.Add(accepted);
        }

        if (rejected is not null)
        {
            await PublishRejectionsAsync(records, decoded, rejected, cancellationToken).ConfigureAwait(false);
        }

        if (AfterApplyBeforeCommit is { } hook)
        {
            await hook(records.Count, cancellationToken).ConfigureAwait(false);
        }

        Commit(records);
        _totals.AddBatch(records.Count, redisCalls);
        _metrics.Consumed.Add(records.Count);
        _metrics.RedisCalls.Add(redisCalls);
        _metrics.Batches.Add(1);
        _metrics.BatchSize.Record(records.Count);
        _metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(batch.StartedTimestamp).TotalSeconds);
    }

    private DecodedRecord Decode(ConsumeResult<byte[], byte[]> record, long nowMs)
    {
        byte[]? value = record.Message.Value;
        if (value is null || value.Length == 0)
        {
            return DecodedRecord.Reject(new Rejection(RejectionReasons.Undecodable, "empty message value (tombstone?) on a telemetry topic"));
        }

        if (!_codec.TryDecodeTelemetry(value, out TelemetryEvent? telemetry, out Rejection rejection))
        {
            return DecodedRecord.Reject(rejection);
        }

        return TelemetryNormalizer.TryNormalize(telemetry, nowMs, _rules, out NormalizedEvent normalized, out rejection)
            ? DecodedRecord.Accept(normalized)
            : DecodedRecord.Reject(rejection);
    }

    private async Task<ApplyBatchResult> ApplyWithRetryAsync(List<NormalizedEvent> events, CancellationToken cancellationToken)
    {
        int delay = _options.RetryDelayMs;
        while (true)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                ApplyBatchResult result = await _store.ApplyAsync(events, cancellationToken).ConfigureAwait(false);
                _metrics.ApplyDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                return result;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Retrying is safe: the apply is atomic and idempotent (a replayed event is a duplicate). Skipping is not.
                LogApplyRetry(_logger, events.Count, delay, ex);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, _options.MaxRetryDelayMs);
            }
        }
    }

    private async Task PublishRejectionsAsync(
        List<ConsumeResult<byte[], byte[]>> records, DecodedRecord[] decoded, List<int> rejected, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        string dlq = _kafka.Topics.Dlq;
        var messages = new Message<byte[], byte[]>[rejected.Count];
        for (int r = 0; r < rejected.Count; r++)
        {
            messages[r] = DeadLetterHeaders.Build(records[rejected[r]], decoded[rejected[r]].Rejection, now, _options);
        }

        // All of the batch's rejections are in flight at once (one linger, not one per record); those that fail are
        // produced again. The offsets are not committed until every one is in the DLQ: nothing is lost.
        List<int> pending = [.. Enumerable.Range(0, rejected.Count)];
        int delay = _options.RetryDelayMs;
        while (true)
        {
            var sends = new Task[pending.Count];
            for (int p = 0; p < pending.Count; p++)
            {
                sends[p] = _dlqProducer.ProduceAsync(dlq, messages[pending[p]], cancellationToken);
            }

            try
            {
                await Task.WhenAll(sends).ConfigureAwait(false);
            }
            catch (ProduceException<byte[], byte[]>)
            {
                // Inspected per send below.
            }

            var failed = new List<int>();
            for (int p = 0; p < pending.Count; p++)
            {
                if (sends[p].Exception?.InnerException is ProduceException<byte[], byte[]> ex)
                {
                    LogDlqRetry(_logger, records[rejected[pending[p]]].TopicPartitionOffset.ToString(), ex.Error.Reason, ex);
                    failed.Add(pending[p]);
                }
                else if (sends[p].IsCanceled)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else if (sends[p].Exception is { } other)
                {
                    throw other.InnerException ?? other;
                }
            }

            if (failed.Count == 0)
            {
                break;
            }

            pending = failed;
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, _options.MaxRetryDelayMs);
        }

        for (int r = 0; r < rejected.Count; r++)
        {
            int i = rejected[r];
            Rejection rejection = decoded[i].Rejection;
            DeadLettered?.Invoke(new DeadLetter(
                rejection, records[i].Topic, records[i].Partition.Value, records[i].Offset.Value, now, messages[r].Key, messages[r].Value));
            _metrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
            _totals.AddRejection(rejection.Reason);
            LogRejected(_logger, records[i].TopicPartitionOffset.ToString(), rejection.Reason, rejection.Detail);
        }
    }

    private void Commit(List<ConsumeResult<byte[], byte[]>> records)
    {
        var next = new Dictionary<TopicPartition, long>();
        foreach (ConsumeResult<byte[], byte[]> record in records)
        {
            long offset = record.Offset.Value + 1;
            if (!next.TryGetValue(record.TopicPartition, out long current) || offset > current)
            {
                next[record.TopicPartition] = offset;
            }
        }

        var offsets = new List<TopicPartitionOffset>(next.Count);
        foreach (KeyValuePair<TopicPartition, long> pair in next)
        {
            offsets.Add(new TopicPartitionOffset(pair.Key, new Offset(pair.Value)));
        }

        try
        {
            if (_kafka.CommitIntervalMs > 0)
            {
                foreach (TopicPartitionOffset offset in offsets)
                {
                    _consumer.StoreOffset(offset);
                }
            }
            else
            {
                _consumer.Commit(offsets);
            }
        }
        catch (KafkaException ex)
        {
            // Typically "rebalance in progress" or a revoked partition: the new owner replays from the last commit and
            // the dedupe absorbs the redelivery, so this costs time, not correctness.
            _metrics.CommitErrors.Add(1);
            LogCommitFailed(_logger, ex.Error.Reason, ex);
            return;
        }

        foreach (KeyValuePair<TopicPartition, long> pair in next)
        {
            WatermarkOffsets watermarks = _consumer.GetWatermarkOffsets(pair.Key);
            if (watermarks.High.Value >= 0)
            {
                _metrics.SetLag(pair.Key.Topic, pair.Key.Partition.Value, watermarks.High.Value - pair.Value);
            }
        }
    }

    private readonly struct DecodedRecord
    {
        private DecodedRecord(bool accepted, NormalizedEvent normalized, Rejection rejection)
        {
            Accepted = accepted;
            Event = normalized;
            Rejection = rejection;
        }

        public bool Accepted { get; }
        public NormalizedEvent Event { get; }
        public Rejection Rejection { get; }

        public static DecodedRecord Accept(NormalizedEvent normalized) => new(true, normalized, default);

        public static DecodedRecord Reject(Rejection rejection) => new(false, default, rejection);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Applying a batch of {Count} events failed; retrying in {DelayMs} ms")]
    private static partial void LogApplyRetry(ILogger logger, int count, int delayMs, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Publishing the rejection of {Source} to the DLQ failed ({Reason}); retrying")]
    private static partial void LogDlqRetry(ILogger logger, string source, string reason, Exception exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Rejected {Source}: {Reason}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string source, string reason, string detail);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Offset commit failed ({Reason}); the records will be redelivered and deduplicated")]
    private static partial void LogCommitFailed(ILogger logger, string reason, Exception exception);
}

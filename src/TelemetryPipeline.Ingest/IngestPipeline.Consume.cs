using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TelemetryPipeline.Ingest;

public sealed partial class IngestPipeline
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);

    // With --until-idle and no partition ever assigned (e.g. no topic exists), give up after this much more.
    private static readonly TimeSpan s_noAssignmentGrace = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The consume stage, on its own thread (Confluent's Consume blocks): builds size- and time-bounded batches and
    /// hands them to the bounded channel, which blocks this loop when the apply stage falls behind.
    /// </summary>
    private void ConsumeLoop(ChannelWriter<ConsumedBatch> writer, TimeSpan? untilIdle, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumedBatch? batch = ConsumeBatch(cancellationToken);
                if (batch is not null)
                {
                    Interlocked.Increment(ref _batchesInFlight);
                    while (!writer.TryWrite(batch))
                    {
                        // Back-pressure: wait for room, but keep the consumer's group membership alive meanwhile.
                        writer.WaitToWriteAsync(cancellationToken).AsTask().Wait(cancellationToken);
                    }
                }
                else if (untilIdle is TimeSpan idle && IsIdle(idle, started))
                {
                    LogIdle(_logger, idle.TotalSeconds);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    private ConsumedBatch? ConsumeBatch(CancellationToken cancellationToken)
    {
        List<ConsumeResult<byte[], byte[]>>? records = null;
        long batchStarted = 0;
        long lingerTicks = (long)(_options.BatchLingerMs * (Stopwatch.Frequency / 1000.0));
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan timeout = s_pollTimeout;
            if (records is not null)
            {
                long left = batchStarted + lingerTicks - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    break;
                }

                timeout = TimeSpan.FromTicks(Math.Min(s_pollTimeout.Ticks, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }

            ConsumeResult<byte[], byte[]>? result = _consumer.Consume(timeout);
            if (result is null)
            {
                if (records is null)
                {
                    return null;
                }

                continue;
            }

            if (result.IsPartitionEOF)
            {
                _atEof[result.TopicPartition] = true;
                continue;
            }

            _atEof[result.TopicPartition] = false;
            Volatile.Write(ref _lastRecordTimestamp, Stopwatch.GetTimestamp());
            if (records is null)
            {
                records = new List<ConsumeResult<byte[], byte[]>>(Math.Min(_options.BatchSize, 1024));
                batchStarted = Stopwatch.GetTimestamp();
            }

            records.Add(result);
            if (records.Count >= _options.BatchSize)
            {
                break;
            }
        }

        return records is null ? null : new ConsumedBatch(records, batchStarted);
    }

    private bool IsIdle(TimeSpan idle, long started)
    {
        if (Volatile.Read(ref _batchesInFlight) > 0)
        {
            return false;
        }

        TimeSpan quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastRecordTimestamp));
        if (quiet < idle)
        {
            return false;
        }

        List<TopicPartition> assignment = _consumer.Assignment;
        if (assignment.Count == 0)
        {
            // Empty during every rebalance: only "never assigned at all" (e.g. no topic exists) counts as idle.
            return !_everAssigned && Stopwatch.GetElapsedTime(started) > idle + s_noAssignmentGrace;
        }

        foreach (TopicPartition partition in assignment)
        {
            if (!_atEof.TryGetValue(partition, out bool eof) || !eof)
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Caught up and idle for {Seconds} s: stopping (--until-idle)")]
    private static partial void LogIdle(ILogger logger, double seconds);
}

using Confluent.Kafka;

namespace TelemetryPipeline.Kafka;

/// <summary>
/// Committing consumed offsets under consumer-group rebalances. A commit can be refused because the
/// group is rebalancing ("Group rebalance in progress") or because this member's generation has moved
/// on; the offsets are then simply not committed, and the partition's next owner is redelivered every
/// record after the last committed offset. That is at-least-once delivery working as designed: the
/// caller carries on, and downstream effects must be idempotent (the Redis dedupe absorbs the replay).
/// </summary>
public static class ConsumerCommit
{
    /// <summary>True when <paramref name="error"/> means "the commit lost a race with a rebalance", not a broken client.</summary>
    public static bool IsLostToRebalance(Error error)
    {
        ArgumentNullException.ThrowIfNull(error);

        // Local_State/Local_AssignmentLost are librdkafka's own refusals while the member is between
        // generations. Treating a doubtful code as "lost" costs only a replay that the dedupe absorbs;
        // a persistent fault still shows as growing consumer lag.
        return error.Code is ErrorCode.RebalanceInProgress
            or ErrorCode.IllegalGeneration
            or ErrorCode.UnknownMemberId
            or ErrorCode.Local_State
            or ErrorCode.Local_AssignmentLost;
    }

    /// <summary>
    /// Commits <paramref name="offsets"/> (each the offset of the next record to read, i.e. last processed + 1);
    /// returns false, committing nothing, when the commit lost a race with a rebalance. Other errors throw.
    /// </summary>
    /// <exception cref="KafkaException">The commit failed for a reason other than a rebalance.</exception>
    public static bool TryCommit<TKey, TValue>(IConsumer<TKey, TValue> consumer, IEnumerable<TopicPartitionOffset> offsets)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(offsets);
        try
        {
            consumer.Commit(offsets);
            return true;
        }
        catch (TopicPartitionOffsetException ex) when (AllLostToRebalance(ex))
        {
            return false;
        }
        catch (KafkaException ex) when (ex is not TopicPartitionOffsetException && IsLostToRebalance(ex.Error))
        {
            return false;
        }
    }

    private static bool AllLostToRebalance(TopicPartitionOffsetException ex)
    {
        if (IsLostToRebalance(ex.Error))
        {
            return true;
        }

        foreach (var result in ex.Results)
        {
            if (result.Error.IsError && !IsLostToRebalance(result.Error))
            {
                return false;
            }
        }

        return ex.Results.Count > 0;
    }
}

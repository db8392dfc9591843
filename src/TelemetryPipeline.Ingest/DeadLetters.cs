using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ingest;

/// <summary>The DLQ record's headers: why a record was rejected and where it came from, so a person can find and fix it.</summary>
public static class DeadLetterHeaders
{
    public const string Reason = "tp-reason";
    public const string Detail = "tp-detail";
    public const string SourceTopic = "tp-source-topic";
    public const string SourcePartition = "tp-source-partition";
    public const string SourceOffset = "tp-source-offset";
    public const string RejectedAt = "tp-rejected-at";
    public const string Truncated = "tp-truncated";

    /// <summary>Builds the DLQ message: original key and bytes (bounded), reason headers first, then a bounded copy of the original headers.</summary>
    public static Message<byte[], byte[]> Build(
        ConsumeResult<byte[], byte[]> source, Rejection rejection, DateTimeOffset rejectedAt, IngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        byte[] value = source.Message.Value ?? [];
        var headers = new Headers
        {
            { Reason, Encoding.UTF8.GetBytes(rejection.Reason) },
            { Detail, Encoding.UTF8.GetBytes(rejection.Detail) },
            { SourceTopic, Encoding.UTF8.GetBytes(source.Topic) },
            { SourcePartition, Encoding.UTF8.GetBytes(source.Partition.Value.ToString(CultureInfo.InvariantCulture)) },
            { SourceOffset, Encoding.UTF8.GetBytes(source.Offset.Value.ToString(CultureInfo.InvariantCulture)) },
            { RejectedAt, Encoding.UTF8.GetBytes(rejectedAt.ToString("O", CultureInfo.InvariantCulture)) },
        };
        if (value.Length > options.MaxDlqPayloadBytes)
        {
            headers.Add(Truncated, Encoding.UTF8.GetBytes(value.Length.ToString(CultureInfo.InvariantCulture)));
            value = value.AsSpan(0, options.MaxDlqPayloadBytes).ToArray();
        }

        if (source.Message.Headers is { } original)
        {
            int copied = 0;
            foreach (IHeader header in original)
            {
                if (copied++ >= options.MaxDlqCopiedHeaders)
                {
                    break;
                }

                headers.Add(header.Key, header.GetValueBytes());
            }
        }

        return new Message<byte[], byte[]> { Key = source.Message.Key, Value = value, Headers = headers };
    }
}

/// <summary>A record sent to the DLQ, as it was sent (the payload bounded by <see cref="IngestOptions.MaxDlqPayloadBytes"/>).</summary>
public sealed record DeadLetter(
    Rejection Rejection, string Topic, int Partition, long Offset, DateTimeOffset RejectedAt, byte[]? Key, byte[] Payload);

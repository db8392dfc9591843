using Confluent.Kafka;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// The ceiling: a Confluent.Kafka consume loop that only counts messages (same consumer settings as the pipeline,
/// no decode, no Redis, no commits). Its latency is produce → consumed.
/// </summary>
internal static class BareConsumeLoop
{
    public static ContenderOutcome Run(ContenderContext context, CancellationToken cancellationToken)
    {
        KafkaNative.EnsureLoaded();
        var latency = new LatencySamples((int)(context.Events / context.SampleEvery) + 1024);
        var clock = new RunClock();
        var outcome = new ContenderOutcome
        {
            Name = "bare",
            Description = "bare Confluent.Kafka consume loop, counting only (ceiling)",
            Clock = clock,
            Latency = latency,
        };
        ConsumerConfig config = context.Kafka.ToConsumerConfig();
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, _) => clock.MarkAssigned())
            .SetLogHandler(static (_, _) => { })
            .Build();
        consumer.Subscribe(context.Kafka.Topics.Telemetry);
        long count = 0;
        long mask = context.SampleEvery - 1;
        using var deadline = new CancellationTokenSource(context.Timeout);
        while (count < context.Events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"bare: {count} of {context.Events} records consumed within {context.Timeout}.");
            }

            ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            if ((count & mask) == 0)
            {
                long durableMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                latency.Add(durableMs - result.Message.Timestamp.UnixTimestampMs, durableMs);
            }

            count++;
        }

        clock.MarkDone();
        outcome.Events = count;
        consumer.Close();
        return outcome;
    }
}

using System.Globalization;
using Confluent.Kafka;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// The reference written the way most teams would: consume one record, decode and validate it (the same codec and
/// rules as the pipeline, so only the Redis pattern differs), <c>SET dedupe-key 1 NX EX</c> per event, then one
/// <c>HINCRBY</c> per bucket the event touches (a meter reading first <c>GETSET</c>s its baseline), each awaited in turn;
/// offsets auto-committed every 5 s. Rejections are only counted (no DLQ). Keys: <c>naive:d:*</c> (one string per
/// remembered event id), <c>naive:b:&lt;identifier&gt;:&lt;day&gt;</c> (bucket hashes), <c>naive:m:*</c> (meter baselines).
/// </summary>
internal static class NaivePipeline
{
    public const string DedupePattern = "naive:d:*";

    public static readonly string[] StatePatterns = ["naive:b:*", "naive:m:*"];

    private static readonly string s_dedupeTtl = ((long)TimeSpan.FromDays(31).TotalSeconds).ToString(CultureInfo.InvariantCulture);

    public static async Task<ContenderOutcome> RunAsync(ContenderContext context, TelemetryCodec codec, CancellationToken cancellationToken)
    {
        KafkaNative.EnsureLoaded();
        var latency = new LatencySamples((int)(context.Events / context.SampleEvery) + 1024);
        var redisOptions = new RedisOptions { Endpoint = context.RedisEndpoint!, CommandTimeout = TimeSpan.FromSeconds(30) };
        await using var redis = new CountingRedisConnection(await RedisConnection.ConnectAsync(redisOptions, cancellationToken).ConfigureAwait(false));
        var clock = new RunClock();
        var outcome = new ContenderOutcome
        {
            Name = "naive",
            Description = "naive reference: per-event SET NX + per-bucket HINCRBY, awaited one by one, auto-commit",
            Clock = clock,
            Latency = latency,
        };
        ConsumerConfig config = context.Kafka.ToConsumerConfig();
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = true;
        config.AutoCommitIntervalMs = 5000;
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, _) => clock.MarkAssigned())
            .SetLogHandler(static (_, _) => { })
            .Build();
        consumer.Subscribe(context.Kafka.Topics.Telemetry);
        long count = 0;
        long applied = 0;
        long duplicates = 0;
        long rejected = 0;
        long mask = context.SampleEvery - 1;
        var buckets = new List<(long Bucket, long Amount)>(8);
        using var deadline = new CancellationTokenSource(context.Timeout);
        while (count < context.Events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"naive: {count} of {context.Events} records processed within {context.Timeout}.");
            }

            ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (result.Message.Value is not { Length: > 0 } value ||
                !codec.TryDecodeTelemetry(value, out TelemetryEvent? telemetry, out _) ||
                !TelemetryNormalizer.TryNormalize(telemetry, nowMs, NormalizationRules.Default, out NormalizedEvent e, out _))
            {
                rejected++;
            }
            else if (!await MarkNewAsync(redis, telemetry, cancellationToken).ConfigureAwait(false))
            {
                duplicates++;
            }
            else
            {
                await AddAsync(redis, e, buckets, cancellationToken).ConfigureAwait(false);
                applied++;
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
        outcome.RedisCommands = redis.Commands;
        outcome.RedisRoundTrips = redis.RoundTrips;
        outcome.Counters["applied"] = applied;
        outcome.Counters["duplicates"] = duplicates;
        outcome.Counters["rejected"] = rejected;
        consumer.Close();
        return outcome;
    }

    private static async Task<bool> MarkNewAsync(IRedisConnection redis, TelemetryEvent telemetry, CancellationToken cancellationToken)
    {
        string key = string.Concat("naive:d:", ((int)telemetry.Type).ToString(CultureInfo.InvariantCulture), ":", telemetry.Source, ":", telemetry.EventId);
        using RedisArgs args = RedisArgs.Of(key, "1", "NX", "EX", s_dedupeTtl);
        RedisValue reply = await redis.ExecuteAsync("SET", args, cancellationToken).ConfigureAwait(false);
        return !reply.IsNull;
    }

    private static async Task AddAsync(IRedisConnection redis, NormalizedEvent e, List<(long Bucket, long Amount)> buckets, CancellationToken cancellationToken)
    {
        buckets.Clear();
        switch (e.Kind)
        {
            case ContributionKind.Delta:
                BucketMath.Spread(e.Amount, e.IntervalStartMs, e.EventTimeMs, (bucket, amount) => buckets.Add((bucket, amount)));
                break;
            case ContributionKind.Point:
                buckets.Add((BucketMath.BucketStart(e.EventTimeMs), e.Amount));
                break;
            default:
                // A meter reading: swap in the new baseline, count the difference in the reading's bucket.
                string meter = string.Concat("naive:m:", e.Identifier, ":", ((int)e.Measure).ToString(CultureInfo.InvariantCulture));
                using (RedisArgs args = RedisArgs.Of(meter, e.Amount.ToString(CultureInfo.InvariantCulture)))
                {
                    RedisValue previous = await redis.ExecuteAsync("GETSET", args, cancellationToken).ConfigureAwait(false);
                    if (!previous.IsNull && long.TryParse(previous.AsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long before) && e.Amount > before)
                    {
                        buckets.Add((BucketMath.BucketStart(e.EventTimeMs), e.Amount - before));
                    }
                }

                break;
        }

        foreach ((long bucket, long amount) in buckets)
        {
            if (amount == 0)
            {
                continue;
            }

            long day = BucketMath.UtcDay(bucket);
            string key = string.Concat("naive:b:", e.Identifier, ":", day.ToString(CultureInfo.InvariantCulture));
            int slot = (int)((bucket - (day * BucketMath.DayMs)) / BucketMath.BucketMs);
            string field = string.Create(CultureInfo.InvariantCulture, $"{slot}|{(int)e.Measure}|{e.ProjectCode}|{e.CostCode}");
            using RedisArgs args = RedisArgs.Of(key, field, amount.ToString(CultureInfo.InvariantCulture));
            await redis.ExecuteAsync("HINCRBY", args, cancellationToken).ConfigureAwait(false);
        }
    }
}

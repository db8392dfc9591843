using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Domain.Tests;

public sealed class BucketMathTests
{
    private static readonly long s_t0 = DateTimeOffset.Parse("2026-11-20T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static List<(long Bucket, long Amount)> Spread(long amount, long start, long end)
    {
        var parts = new List<(long, long)>();
        BucketMath.Spread(amount, start, end, (b, a) => parts.Add((b, a)));
        return parts;
    }

    [Fact]
    public void Spread_IntervalInsideOneBucket_AllInThatBucket()
    {
        Spread(600_000, s_t0 + 60_000, s_t0 + 660_000).Should().Equal((s_t0, 600_000L));
    }

    [Fact]
    public void Spread_OverThreeBuckets_FloorsProportionsAndGivesRemainderToLast()
    {
        // 08:10–08:40 (30 min), 1,000,001 ms: overlaps 5, 15 and 10 minutes.
        long start = s_t0 + 10 * 60_000, end = s_t0 + 40 * 60_000;
        var parts = Spread(1_000_001, start, end);
        parts.Should().Equal(
            (s_t0, 1_000_001L * 5 / 30),
            (s_t0 + BucketMath.BucketMs, 1_000_001L * 15 / 30),
            (s_t0 + 2 * BucketMath.BucketMs, 1_000_001L - (1_000_001L * 5 / 30) - (1_000_001L * 15 / 30)));
        parts.Sum(p => p.Amount).Should().Be(1_000_001);
    }

    [Fact]
    public void Spread_EndOnBucketBoundary_DoesNotTouchNextBucket()
    {
        var parts = Spread(3_600_000, s_t0, s_t0 + 3_600_000);
        parts.Should().HaveCount(4).And.OnlyContain(p => p.Amount == 900_000);
    }

    [Fact]
    public void Spread_EmptyInterval_PutsAmountInBucketOfStart()
    {
        Spread(42, s_t0 + 5, s_t0 + 5).Should().Equal((s_t0, 42L));
    }

    [Fact]
    public void Spread_RandomIntervals_PartsAlwaysSumToAmount()
    {
        var random = new Random(7);
        for (int i = 0; i < 2_000; i++)
        {
            long start = s_t0 + random.NextInt64(0, 10_000_000);
            long end = start + random.NextInt64(1, 40_000_000);
            long amount = random.NextInt64(0, end - start + 1);
            var parts = Spread(amount, start, end);
            parts.Sum(p => p.Amount).Should().Be(amount);
            parts.Should().OnlyContain(p => p.Amount >= 0 && p.Bucket % BucketMath.BucketMs == 0);
        }
    }

    [Fact]
    public void BucketStart_NegativeTimes_AlignDownward()
    {
        BucketMath.BucketStart(-1).Should().Be(-BucketMath.BucketMs);
        BucketMath.UtcDay(-1).Should().Be(-1);
    }
}

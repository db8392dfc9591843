namespace TelemetryPipeline.Domain;

/// <summary>What a bucket counts, always as an integer (ALLOCATION-RULES.md, "Quantities").</summary>
public enum Measure : byte
{
    /// <summary>Operating (engine) time in milliseconds; idle time is part of it.</summary>
    OperatingMs = 1,

    /// <summary>Idle time in milliseconds.</summary>
    IdleMs = 2,

    /// <summary>Fuel burned in millilitres (allocated).</summary>
    FuelBurnMl = 3,

    /// <summary>Fuel filled in millilitres (reconciliation only, never allocated).</summary>
    FuelFillMl = 4,
}

/// <summary>How a normalized event contributes to buckets.</summary>
public enum ContributionKind : byte
{
    /// <summary>A delta spread over [IntervalStartMs, EventTimeMs).</summary>
    Delta = 1,

    /// <summary>A quantity landing whole in the bucket containing EventTimeMs.</summary>
    Point = 2,

    /// <summary>A cumulative meter reading; the store turns it into a delta against the identifier's baseline.</summary>
    MeterReading = 3,
}

/// <summary>
/// A validated, unit-normalized telemetry event ready for the dedupe+buckets step.
/// <see cref="Amount"/> is the delta (ms or ml), the point quantity, or the converted meter reading.
/// </summary>
public readonly record struct NormalizedEvent(
    RecordType Type,
    ulong DedupeId,
    string Identifier,
    long EventTimeMs,
    ContributionKind Kind,
    Measure Measure,
    long Amount,
    long IntervalStartMs,
    string? ProjectCode,
    string? CostCode);

/// <summary>15-minute UTC-aligned buckets and the exact spreading rule.</summary>
public static class BucketMath
{
    public const long BucketMs = 15 * 60 * 1000;
    public const long DayMs = 24 * 60 * 60 * 1000;
    public const int BucketsPerDay = (int)(DayMs / BucketMs);

    public static long BucketStart(long timeMs) => timeMs - Mod(timeMs, BucketMs);

    /// <summary>Days since the Unix epoch of the UTC day containing <paramref name="timeMs"/>.</summary>
    public static long UtcDay(long timeMs) => (timeMs - Mod(timeMs, DayMs)) / DayMs;

    /// <summary>
    /// Spreads <paramref name="amount"/> over the buckets [start, end) overlaps: each bucket gets
    /// floor(amount × overlap / length), the last one the remainder, so the parts sum to amount exactly.
    /// An empty interval puts everything in the bucket containing <paramref name="startMs"/>.
    /// </summary>
    public static void Spread(long amount, long startMs, long endMs, Action<long, long> add)
    {
        ArgumentNullException.ThrowIfNull(add);
        if (endMs <= startMs)
        {
            add(BucketStart(startMs), amount);
            return;
        }

        long length = endMs - startMs;
        long given = 0;
        long bucket = BucketStart(startMs);
        while (true)
        {
            long next = bucket + BucketMs;
            if (next >= endMs)
            {
                add(bucket, amount - given);
                return;
            }

            long overlap = next - Math.Max(bucket, startMs);
            long part = FloorDiv(amount, overlap, length);

            add(bucket, part);
            given += part;
            bucket = next;
        }
    }

    private static long FloorDiv(long amount, long overlap, long length)
    {
        Int128 product = (Int128)amount * overlap;
        Int128 q = product / length;
        if (product % length != 0 && product < 0)
        {
            q -= 1;
        }

        return (long)q;
    }

    private static long Mod(long a, long m)
    {
        long r = a % m;
        return r < 0 ? r + m : r;
    }
}

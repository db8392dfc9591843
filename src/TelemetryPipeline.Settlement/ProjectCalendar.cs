using System.Collections.Concurrent;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// Local calendar days of one time zone as UTC instants: the settlement period of a bucket is the local day
/// containing its start (ALLOCATION-RULES.md, "Windows and periods"). Thread-safe; results are cached.
/// </summary>
public sealed class ProjectCalendar
{
    // DateOnly(1970, 1, 1).DayNumber.
    private const int UnixEpochDayNumber = 719_162;

    private readonly ConcurrentDictionary<long, DateOnly> _periodOfBucket = new();
    private readonly ConcurrentDictionary<DateOnly, long> _startOfDay = new();

    public ProjectCalendar(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Zone = zone;
    }

    /// <summary>The calendar of UTC days.</summary>
    public static ProjectCalendar Utc { get; } = new(TimeZoneInfo.Utc);

    public TimeZoneInfo Zone { get; }

    /// <summary>The local calendar day containing the UTC instant <paramref name="utcMs"/>.</summary>
    public DateOnly PeriodOf(long utcMs)
    {
        if (ReferenceEquals(Zone, TimeZoneInfo.Utc))
        {
            return DateOnly.FromDayNumber(checked((int)(Domain.BucketMath.UtcDay(utcMs) + UnixEpochDayNumber)));
        }

        // Buckets are 15-minute aligned and every real offset is a multiple of 15 minutes, so caching per bucket
        // start is exact; other instants are converted directly.
        if (utcMs % Domain.BucketMath.BucketMs == 0)
        {
            return _periodOfBucket.GetOrAdd(utcMs, static (ms, zone) => Convert(ms, zone), Zone);
        }

        return Convert(utcMs, Zone);
    }

    /// <summary>
    /// The first UTC instant of the local day: local midnight, or where midnight falls into a daylight-saving gap
    /// the first local time that exists, or where midnight occurs twice its first occurrence.
    /// </summary>
    public long StartOfDayUtcMs(DateOnly day) =>
        _startOfDay.GetOrAdd(day, static (d, zone) => ComputeStartOfDay(d, zone), Zone);

    /// <summary>The first UTC instant after the local day (the start of the next day).</summary>
    public long EndOfDayUtcMs(DateOnly day) => StartOfDayUtcMs(day.AddDays(1));

    private static DateOnly Convert(long utcMs, TimeZoneInfo zone)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(utcMs), zone);
        return DateOnly.FromDateTime(local.DateTime);
    }

    private static long ComputeStartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        DateTime local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // A daylight-saving gap at midnight (e.g. America/Havana, Asia/Beirut in some years): the day starts at the
        // first local time that exists. Gaps are at most a few hours; the bound only guards against a broken zone.
        for (int i = 0; i < 24 * 60 && zone.IsInvalidTime(local); i++)
        {
            local = local.AddMinutes(1);
        }

        TimeSpan offset;
        if (zone.IsAmbiguousTime(local))
        {
            // Midnight occurs twice: the day starts at the first occurrence, the one with the larger offset.
            offset = TimeSpan.MinValue;
            foreach (TimeSpan candidate in zone.GetAmbiguousTimeOffsets(local))
            {
                if (candidate > offset)
                {
                    offset = candidate;
                }
            }
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        long localMs = (local.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
        return localMs - (offset.Ticks / TimeSpan.TicksPerMillisecond);
    }
}

using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// A settlement period: the local calendar day of a project, or — for quantities that have no project
/// (unresolved identifiers without explicit codes, no assignment) — the UTC day (<see cref="ProjectCode"/> null).
/// </summary>
public readonly record struct SettlementPeriod(string? ProjectCode, DateOnly Period);

/// <summary>
/// Which periods one settlement at <see cref="Now"/> recomputes: a period is <em>closed</em> when now ≥ end of its
/// local day + grace, and <em>within the horizon</em> when its local start ≥ now − horizon.
/// </summary>
public sealed class SettlementWindow
{
    private readonly MasterDataSnapshot _snapshot;
    private readonly long _nowMs;
    private readonly long _graceMs;
    private readonly long _horizonStartMs;

    public SettlementWindow(DateTimeOffset now, SettlementOptions options, MasterDataSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(snapshot);
        Now = now;
        _snapshot = snapshot;
        _nowMs = now.ToUnixTimeMilliseconds();
        _graceMs = (long)options.Grace.TotalMilliseconds;
        _horizonStartMs = _nowMs - (long)options.Horizon.TotalMilliseconds;

        // Every in-scope period starts at or after now − horizon and ends before now; zones are within UTC−12..+14,
        // so one day of slack each side covers every project's calendar.
        EarliestPeriod = UtcDate(_horizonStartMs).AddDays(-1);
        LatestPeriod = UtcDate(_nowMs).AddDays(1);
    }

    public DateTimeOffset Now { get; }

    /// <summary>No in-scope period of any time zone is earlier than this date (for ledger range queries).</summary>
    public DateOnly EarliestPeriod { get; }

    /// <summary>No in-scope period of any time zone is later than this date (for ledger range queries).</summary>
    public DateOnly LatestPeriod { get; }

    /// <summary>
    /// The UTC days (days since the epoch) whose buckets a settlement at <paramref name="now"/> needs: every in-scope
    /// bucket starts at or after now − horizon (it lies in a period that does) and before now.
    /// </summary>
    public static IReadOnlyList<long> UtcDaysToRead(DateTimeOffset now, SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long nowMs = now.ToUnixTimeMilliseconds();
        long first = BucketMath.UtcDay(nowMs - (long)options.Horizon.TotalMilliseconds);
        long last = BucketMath.UtcDay(nowMs);
        var days = new List<long>((int)(last - first + 1));
        for (long day = first; day <= last; day++)
        {
            days.Add(day);
        }

        return days;
    }

    /// <summary>The UTC instant at which the period closes: the end of its local day plus the grace.</summary>
    public long CutoffUtcMs(SettlementPeriod period) => _snapshot.GetCalendar(period.ProjectCode).EndOfDayUtcMs(period.Period) + _graceMs;

    public bool IsClosed(SettlementPeriod period) => _nowMs >= CutoffUtcMs(period);

    public bool IsWithinHorizon(SettlementPeriod period) =>
        _snapshot.GetCalendar(period.ProjectCode).StartOfDayUtcMs(period.Period) >= _horizonStartMs;

    /// <summary>True when the period is closed and within the horizon: settlement recomputes it.</summary>
    public bool Contains(SettlementPeriod period) => IsWithinHorizon(period) && IsClosed(period);

    private static DateOnly UtcDate(long ms) => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
}

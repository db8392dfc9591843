using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Web.Utilization;

/// <summary>Operating, idle and fuel quantities; working time is operating minus idle, floored at 0 (ALLOCATION-RULES.md).</summary>
public readonly record struct UsageTotals(long OperatingMs, long IdleMs, long FuelBurnMl, long FuelFillMl)
{
    public long WorkingMs => Math.Max(0, OperatingMs - IdleMs);

    /// <summary>Idle share of operating time in percent; null without operating time.</summary>
    public double? IdlePercent => OperatingMs <= 0 ? null : Math.Round(100.0 * IdleMs / OperatingMs, 1);

    public bool IsZero => OperatingMs == 0 && IdleMs == 0 && FuelBurnMl == 0 && FuelFillMl == 0;

    public UsageTotals Add(Measure measure, long amount) => measure switch
    {
        Measure.OperatingMs => this with { OperatingMs = OperatingMs + amount },
        Measure.IdleMs => this with { IdleMs = IdleMs + amount },
        Measure.FuelBurnMl => this with { FuelBurnMl = FuelBurnMl + amount },
        Measure.FuelFillMl => this with { FuelFillMl = FuelFillMl + amount },
        _ => this,
    };

    public static UsageTotals operator +(UsageTotals a, UsageTotals b) =>
        new(a.OperatingMs + b.OperatingMs, a.IdleMs + b.IdleMs, a.FuelBurnMl + b.FuelBurnMl, a.FuelFillMl + b.FuelFillMl);
}

/// <summary>One day's totals.</summary>
public sealed record DayUsage(DateOnly Day, UsageTotals Totals);

/// <summary>A project's totals over the range and per day; <see cref="ProjectCode"/> null: quantities no project could be found for.</summary>
public sealed record ProjectUsage(string? ProjectCode, string Name, UsageTotals Totals, IReadOnlyList<DayUsage> Days);

/// <summary>
/// One machine: its canonical id, or the identifier as sent when no alias resolves it. The timeline has one cell per
/// 15-minute bucket from <see cref="UtilizationReport.TimelineStartMs"/>.
/// </summary>
public sealed record MachineUsage(
    string Machine,
    bool Resolved,
    IReadOnlyList<string> Identifiers,
    IReadOnlyList<string> Projects,
    IReadOnlyList<string> CostCodes,
    UsageTotals Totals,
    long[] TimelineOperatingMs,
    long[] TimelineIdleMs);

/// <summary>Kinds of <see cref="UtilizationIssue"/>.</summary>
public static class UtilizationIssueKinds
{
    public const string UnknownIdentifier = "unknown_identifier";
    public const string NoAssignment = "no_assignment";
    public const string MissingRate = "missing_rate";
    public const string CurrencyMismatch = "currency_mismatch";
    public const string MeterReset = "meter_reset";
    public const string MeterAnomaly = "meter_anomaly";
    public const string LateReading = "late_reading";
}

/// <summary>Something a person has to look at, what was seen, and what to do about it.</summary>
public sealed record UtilizationIssue(string Kind, string Subject, string What, string Action, UsageTotals Quantities);

/// <summary>
/// Utilization for a range of days, computed from the buckets and the current master data exactly as settlement
/// attributes them: a bucket belongs to the local day (project time zone) containing its start; quantities without a
/// project are counted on their UTC day.
/// </summary>
public sealed record UtilizationReport(
    DateOnly From,
    DateOnly To,
    string? ProjectFilter,
    string TimeZone,
    long TimelineStartMs,
    long TimelineEndMs,
    UsageTotals Totals,
    IReadOnlyList<DayUsage> Days,
    IReadOnlyList<ProjectUsage> Projects,
    IReadOnlyList<MachineUsage> Machines,
    IReadOnlyList<UtilizationIssue> Issues,
    DateTimeOffset GeneratedAt)
{
    public int TimelineCells => (int)((TimelineEndMs - TimelineStartMs) / BucketMath.BucketMs);
}

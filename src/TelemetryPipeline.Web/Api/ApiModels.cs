using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Approvals;

namespace TelemetryPipeline.Web.Api;

/// <summary>A staged allocation with its lines and posting state. Quantities in hours/litres, amounts as 2-decimal strings.</summary>
public sealed record AllocationDto(
    string AllocationId,
    string Period,
    string ProjectCode,
    string CostCode,
    int Revision,
    string Currency,
    string Status,
    decimal OperatingHours,
    decimal IdleHours,
    decimal FuelLiters,
    string Amount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? OdooRefs,
    string? PostError,
    int PostAttempts,
    IReadOnlyList<AllocationLineDto> Lines)
{
    public static AllocationDto From(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Allocation a = entry.Allocation;
        var lines = new List<AllocationLineDto>(a.Lines.Count);
        foreach (AllocationLine line in a.Lines)
        {
            lines.Add(AllocationLineDto.From(line));
        }

        return new AllocationDto(
            a.AllocationId,
            a.Period.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            a.ProjectCode,
            a.CostCode,
            a.Revision,
            a.Currency,
            a.Status.ToWire(),
            AllocationExport.Hours(a.OperatingMs),
            AllocationExport.Hours(a.IdleMs),
            AllocationExport.Liters(a.FuelMl),
            AllocationExport.Amount(a.Amount),
            entry.CreatedAt,
            entry.UpdatedAt,
            entry.OdooRefs,
            entry.PostError,
            entry.PostAttempts,
            lines);
    }
}

/// <summary>One equipment line and the rate it was priced with.</summary>
public sealed record AllocationLineDto(
    string EquipmentId,
    decimal OperatingHours,
    decimal IdleHours,
    decimal WorkingHours,
    decimal FuelLiters,
    string OperatingAmount,
    string IdleAmount,
    string FuelAmount,
    string Amount,
    RateDto Rate)
{
    public static AllocationLineDto From(AllocationLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new AllocationLineDto(
            line.EquipmentId,
            AllocationExport.Hours(line.OperatingMs),
            AllocationExport.Hours(line.IdleMs),
            AllocationExport.Hours(Math.Max(0, line.OperatingMs - line.IdleMs)),
            AllocationExport.Liters(line.FuelMl),
            AllocationExport.Amount(line.OperatingAmount),
            AllocationExport.Amount(line.IdleAmount),
            AllocationExport.Amount(line.FuelAmount),
            AllocationExport.Amount(line.Amount),
            RateDto.From(line.Rate));
    }
}

/// <summary>The rate card applied to a line (per hour; fuel per litre).</summary>
public sealed record RateDto(decimal OperatingRate, decimal IdleRate, bool FuelIncluded, decimal FuelPricePerLiter, string Currency, DateTimeOffset ValidFrom)
{
    public static RateDto From(AppliedRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return new RateDto(rate.OperatingRate, rate.IdleRate, rate.FuelIncluded, rate.FuelPricePerLiter, rate.Currency, DateTimeOffset.FromUnixTimeMilliseconds(rate.ValidFromMs));
    }
}

/// <summary>One page of allocations, newest period first.</summary>
public sealed record AllocationPageDto(IReadOnlyList<AllocationDto> Items, int TotalCount, int Offset, int Limit);

/// <summary>One audit row: who moved the allocation from which status to which, when and why.</summary>
public sealed record AuditDto(long Id, DateTimeOffset At, string Actor, string ActorKind, string? FromStatus, string ToStatus, string? Comment)
{
    public static AuditDto From(AuditEntry audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return new AuditDto(
            audit.Id,
            audit.At,
            audit.Actor,
            audit.ActorKind.ToString().ToLowerInvariant(),
            audit.FromStatus?.ToWire(),
            audit.ToStatus.ToWire(),
            audit.Comment);
    }
}

/// <summary>An allocation, its audit trail, the ids of its sibling revisions and, when asked for, how each line's amount comes about.</summary>
public sealed record AllocationDetailDto(AllocationDto Allocation, IReadOnlyList<AuditDto> Audit, IReadOnlyList<string> Revisions, IReadOnlyList<LineExplanationDto>? Explanation);

/// <summary>
/// "Explain this amount" for one line: quantities through this revision priced with the line's rate, minus the earlier
/// revisions' amounts, equals the line amount; and the 15-minute buckets behind it (current master data).
/// </summary>
public sealed record LineExplanationDto(
    string EquipmentId,
    decimal CumulativeOperatingHours,
    decimal CumulativeIdleHours,
    decimal CumulativeFuelLiters,
    string PricedCumulativeAmount,
    string EarlierRevisionsAmount,
    string LineAmount,
    bool AmountReproduces,
    bool BucketsMatchRevisions,
    IReadOnlyList<BucketDto> Buckets)
{
    public static LineExplanationDto From(LineExplanation line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var buckets = new List<BucketDto>(line.Buckets.Count);
        foreach (BucketRow row in line.Buckets)
        {
            buckets.Add(new BucketDto(
                DateTimeOffset.FromUnixTimeMilliseconds(row.BucketStartMs),
                row.Identifiers,
                AllocationExport.Hours(row.OperatingMs),
                AllocationExport.Hours(row.IdleMs),
                AllocationExport.Liters(row.FuelMl),
                row.Via));
        }

        return new LineExplanationDto(
            line.Line.EquipmentId,
            AllocationExport.Hours(line.CumulativeOperatingMs),
            AllocationExport.Hours(line.CumulativeIdleMs),
            AllocationExport.Liters(line.CumulativeFuelMl),
            AllocationExport.Amount(line.PricedCumulative.Amount),
            AllocationExport.Amount(line.EarlierAmount),
            AllocationExport.Amount(line.Line.Amount),
            line.AmountReproduces,
            line.BucketsMatchRevisions,
            buckets);
    }
}

/// <summary>One 15-minute bucket behind a line.</summary>
public sealed record BucketDto(DateTimeOffset Start, string Identifiers, decimal OperatingHours, decimal IdleHours, decimal FuelLiters, string Via);

/// <summary>Body of approve (comment optional) and reject (comment required).</summary>
public sealed record DecisionRequest(string? Comment);

/// <summary>What an approve / reject did.</summary>
public sealed record TransitionDto(string AllocationId, string Outcome, string? Status, string? PreviousStatus, string Message, AuditDto? Audit)
{
    public static TransitionDto From(TransitionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new TransitionDto(
            result.AllocationId,
            result.Outcome switch
            {
                TransitionOutcome.Applied => "applied",
                TransitionOutcome.NotFound => "not_found",
                TransitionOutcome.IllegalTransition => "illegal_transition",
                _ => "invalid_request",
            },
            result.Status?.ToWire(),
            result.PreviousStatus?.ToWire(),
            result.Message,
            result.Audit is null ? null : AuditDto.From(result.Audit));
    }
}

/// <summary>Quantities settlement could not allocate, and why.</summary>
public sealed record ExceptionDto(
    string Kind,
    string Period,
    string Identifier,
    string? EquipmentId,
    string? ProjectCode,
    string? CostCode,
    decimal OperatingHours,
    decimal IdleHours,
    decimal FuelLiters,
    string Detail)
{
    public static ExceptionDto From(SettlementException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new ExceptionDto(
            e.Kind,
            e.Period.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            e.Identifier,
            e.EquipmentId,
            e.ProjectCode,
            e.CostCode,
            AllocationExport.Hours(e.OperatingMs),
            AllocationExport.Hours(e.IdleMs),
            AllocationExport.Liters(e.FuelMl),
            e.Detail);
    }
}

/// <summary>One settlement run.</summary>
public sealed record SettlementRunDto(
    long Id, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, DateTimeOffset NowUsed, string? PeriodFrom, string? PeriodTo, int Staged, int Exceptions, string Instance)
{
    public static SettlementRunDto From(SettlementRunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new SettlementRunDto(
            run.Id,
            run.StartedAt,
            run.FinishedAt,
            run.NowUsed,
            run.PeriodFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            run.PeriodTo?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            run.Staged,
            run.Exceptions,
            run.Instance);
    }
}

/// <summary>Body of <c>POST /api/settlement/run</c>: the "now" to settle against (null: the wall clock).</summary>
public sealed record SettlementRunRequest(DateTimeOffset? Now);

/// <summary>One readiness check's outcome.</summary>
public sealed record HealthCheckDto(string Name, bool Required, bool Ok, double DurationMs, string? Error);

/// <summary>Body of <c>/health/ready</c> (and <c>/health/live</c>, without checks).</summary>
public sealed record HealthDto(string Status, IReadOnlyList<HealthCheckDto> Checks);

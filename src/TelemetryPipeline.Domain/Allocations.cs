using System.Globalization;

namespace TelemetryPipeline.Domain;

/// <summary>Ledger states (ALLOCATION-RULES.md, "Statuses"); every transition is an audit row.</summary>
public enum AllocationStatus : byte
{
    Pending = 0,
    Approved = 1,
    Rejected = 2,
    Posted = 3,
    PostFailed = 4,
}

public static class AllocationStatuses
{
    public static string ToWire(this AllocationStatus status) => status switch
    {
        AllocationStatus.Pending => "pending",
        AllocationStatus.Approved => "approved",
        AllocationStatus.Rejected => "rejected",
        AllocationStatus.Posted => "posted",
        AllocationStatus.PostFailed => "post_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static AllocationStatus Parse(string wire) => wire switch
    {
        "pending" => AllocationStatus.Pending,
        "approved" => AllocationStatus.Approved,
        "rejected" => AllocationStatus.Rejected,
        "posted" => AllocationStatus.Posted,
        "post_failed" => AllocationStatus.PostFailed,
        _ => throw new FormatException($"Unknown allocation status '{wire}'; expected pending, approved, rejected, posted or post_failed."),
    };
}

/// <summary>The rate a line was priced with (kept on the line so finance can see why an amount is what it is).</summary>
public sealed record AppliedRate(
    decimal OperatingRate, decimal IdleRate, bool FuelIncluded, decimal FuelPricePerLiter, string Currency, long ValidFromMs);

/// <summary>
/// One (period, project, cost code, canonical equipment) line. In revision n &gt; 1 every quantity and amount
/// is the difference from the earlier revisions and may be negative.
/// </summary>
public sealed record AllocationLine(
    string EquipmentId,
    long OperatingMs,
    long IdleMs,
    long FuelMl,
    decimal OperatingAmount,
    decimal IdleAmount,
    decimal FuelAmount,
    AppliedRate Rate)
{
    public decimal Amount => OperatingAmount + IdleAmount + FuelAmount;
}

/// <summary>A consolidated allocation: one revision of (period, project, cost code), with a deterministic id.</summary>
public sealed record Allocation(
    DateOnly Period,
    string ProjectCode,
    string CostCode,
    int Revision,
    string Currency,
    AllocationStatus Status,
    IReadOnlyList<AllocationLine> Lines)
{
    public string AllocationId => AllocationIds.Format(Period, ProjectCode, CostCode, Revision);

    public long OperatingMs => Sum(static l => l.OperatingMs);
    public long IdleMs => Sum(static l => l.IdleMs);
    public long FuelMl => Sum(static l => l.FuelMl);

    public decimal Amount
    {
        get
        {
            decimal total = 0m;
            foreach (AllocationLine line in Lines)
            {
                total += line.Amount;
            }

            return total;
        }
    }

    private long Sum(Func<AllocationLine, long> pick)
    {
        long total = 0;
        foreach (AllocationLine line in Lines)
        {
            total += pick(line);
        }

        return total;
    }
}

/// <summary><c>&lt;period&gt;/&lt;project&gt;/&lt;cost code&gt;/r&lt;revision&gt;</c>, and the id of a line within it.</summary>
public static class AllocationIds
{
    public static string Format(DateOnly period, string projectCode, string costCode, int revision) =>
        string.Create(CultureInfo.InvariantCulture, $"{period:yyyy-MM-dd}/{projectCode}/{costCode}/r{revision}");

    /// <summary>The external id of one line in the ERP: the allocation id plus the equipment id.</summary>
    public static string LineId(string allocationId, string equipmentId) => string.Concat(allocationId, "/", equipmentId);
}

/// <summary>Why quantities were not staged as allocations (ALLOCATION-RULES.md, "Attribution" and "Amounts").</summary>
public static class ExceptionKinds
{
    public const string UnresolvedIdentifier = "unresolved_identifier";
    public const string NoAssignment = "no_assignment";
    public const string MissingRate = "missing_rate";
    public const string CurrencyMismatch = "currency_mismatch";
}

/// <summary>
/// Quantities settlement could not allocate, by identifier (as sent, or canonical id once resolved), period and reason.
/// Listed for people to fix; never dropped, never guessed.
/// </summary>
public sealed record SettlementException(
    string Kind,
    DateOnly Period,
    string Identifier,
    string? EquipmentId,
    string? ProjectCode,
    string? CostCode,
    long OperatingMs,
    long IdleMs,
    long FuelMl,
    string Detail);

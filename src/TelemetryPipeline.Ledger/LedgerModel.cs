using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

/// <summary>A staged allocation as the ledger holds it: the allocation (with its lines) plus its bookkeeping.</summary>
public sealed record LedgerEntry(
    Allocation Allocation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? OdooRefs,
    string? PostError,
    int PostAttempts)
{
    public string AllocationId => Allocation.AllocationId;

    public AllocationStatus Status => Allocation.Status;
}

/// <summary>Filters and paging for <see cref="LedgerStore.ListAsync"/>; a null filter matches everything.</summary>
public sealed record AllocationQuery
{
    public const int MaxLimit = 1000;

    public AllocationStatus? Status { get; init; }

    /// <summary>First period included.</summary>
    public DateOnly? PeriodFrom { get; init; }

    /// <summary>Last period included.</summary>
    public DateOnly? PeriodTo { get; init; }

    public string? ProjectCode { get; init; }

    public string? CostCode { get; init; }

    /// <summary>Rows skipped; ≥ 0.</summary>
    public int Offset { get; init; }

    /// <summary>Page size; 1..<see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>One page of allocations, newest period first, and how many match in total.</summary>
public sealed record AllocationPage(IReadOnlyList<LedgerEntry> Items, int TotalCount, int Offset, int Limit);

/// <summary>Who changed an allocation's status: a person (finance), the auto-approval policy, or the system (settlement, posting).</summary>
public enum ActorKind
{
    Person,
    Policy,
    System,
}

/// <summary>One audit row: an allocation moved from <see cref="FromStatus"/> (null when it was staged) to <see cref="ToStatus"/>.</summary>
public sealed record AuditEntry(
    long Id,
    string AllocationId,
    DateTimeOffset At,
    string Actor,
    ActorKind ActorKind,
    AllocationStatus? FromStatus,
    AllocationStatus ToStatus,
    string? Comment);

public enum TransitionOutcome
{
    /// <summary>The status changed and one audit row was written.</summary>
    Applied,

    /// <summary>No allocation has that id.</summary>
    NotFound,

    /// <summary>The allocation's current status does not allow the transition; nothing changed.</summary>
    IllegalTransition,

    /// <summary>The request itself is incomplete (blank actor, rejection without a comment, …); nothing changed.</summary>
    InvalidRequest,
}

/// <summary>
/// What a status transition did. <see cref="Status"/> is the allocation's status after the call (null when not found);
/// <see cref="Message"/> says why in words fit for a person.
/// </summary>
public sealed record TransitionResult(
    string AllocationId,
    TransitionOutcome Outcome,
    AllocationStatus? Status,
    AllocationStatus? PreviousStatus,
    string Message,
    AuditEntry? Audit)
{
    public bool Succeeded => Outcome == TransitionOutcome.Applied;
}

/// <summary>The legal status transitions (ALLOCATION-RULES.md, "Statuses").</summary>
public static class LedgerTransitions
{
    /// <summary>pending → approved | rejected; approved → posted | post_failed; post_failed → posted | post_failed (a retry).</summary>
    public static bool IsLegal(AllocationStatus from, AllocationStatus to) => (from, to) switch
    {
        (AllocationStatus.Pending, AllocationStatus.Approved or AllocationStatus.Rejected) => true,
        (AllocationStatus.Approved, AllocationStatus.Posted or AllocationStatus.PostFailed) => true,
        (AllocationStatus.PostFailed, AllocationStatus.Posted or AllocationStatus.PostFailed) => true,
        _ => false,
    };

    /// <summary>The statuses reachable from <paramref name="from"/> in one step.</summary>
    public static IReadOnlyList<AllocationStatus> Next(AllocationStatus from) => from switch
    {
        AllocationStatus.Pending => [AllocationStatus.Approved, AllocationStatus.Rejected],
        AllocationStatus.Approved => [AllocationStatus.Posted, AllocationStatus.PostFailed],
        AllocationStatus.PostFailed => [AllocationStatus.Posted, AllocationStatus.PostFailed],
        _ => [],
    };
}

/// <summary>
/// One settlement run: when it ran, the "now" it settled against (wall clock or <c>--now</c>), the periods it
/// recomputed, what it staged and how many exceptions it listed. <see cref="Id"/> is assigned by the ledger.
/// </summary>
public sealed record SettlementRunRecord(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    DateTimeOffset NowUsed,
    int Staged,
    int Exceptions,
    string Instance,
    DateOnly? PeriodFrom = null,
    DateOnly? PeriodTo = null)
{
    public long Id { get; init; }
}

/// <summary>Filters for <see cref="LedgerStore.ListExceptionsAsync"/>; a null filter matches everything.</summary>
public sealed record ExceptionQuery
{
    public const int MaxLimit = 10_000;

    public DateOnly? PeriodFrom { get; init; }

    public DateOnly? PeriodTo { get; init; }

    /// <summary>One of <see cref="ExceptionKinds"/>.</summary>
    public string? Kind { get; init; }

    public string? ProjectCode { get; init; }

    /// <summary>1..<see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 1000;
}

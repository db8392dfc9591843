using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>The seam to the allocation ledger (PostgreSQL in production).</summary>
public interface ISettlementLedger
{
    /// <summary>Every revision, whatever its status, of every (period, project, cost code) with period in [from, to].</summary>
    Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>
    /// Stages the allocations as pending, atomically; an allocation whose id already exists is left as it is
    /// (ids are deterministic, so a repeated or concurrent settlement stages nothing twice). Returns how many were new.
    /// </summary>
    Task<int> StageAsync(IReadOnlyList<Allocation> allocations, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the exceptions of the periods <paramref name="from"/> through <paramref name="to"/> (the range this
    /// settlement recomputed) with <paramref name="exceptions"/>, all of which lie in the range; other periods keep theirs.
    /// An empty list clears the range (everything was fixed).
    /// </summary>
    Task ReplaceExceptionsAsync(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, CancellationToken cancellationToken);
}

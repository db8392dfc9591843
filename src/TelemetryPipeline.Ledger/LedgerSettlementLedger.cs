using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Ledger;

/// <summary>
/// Settlement's view of the ledger (<see cref="ISettlementLedger"/>) over <see cref="LedgerStore"/>: revisions are
/// staged by the actor <see cref="LedgerStore.SettlementActor"/> (idempotent by allocation id, with the configured
/// auto-approval policy), exceptions replace those of the recomputed periods.
/// </summary>
public sealed class LedgerSettlementLedger : ISettlementLedger
{
    private readonly LedgerStore _ledger;

    public LedgerSettlementLedger(LedgerStore ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
    }

    public Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        _ledger.GetAllocationsForPeriodsAsync(from, to, cancellationToken);

    public Task<int> StageAsync(IReadOnlyList<Allocation> allocations, CancellationToken cancellationToken) =>
        _ledger.StageAsync(allocations, LedgerStore.SettlementActor, cancellationToken);

    public Task ReplaceExceptionsAsync(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, CancellationToken cancellationToken) =>
        _ledger.ReplaceExceptionsAsync(from, to, exceptions, runId: null, cancellationToken);
}

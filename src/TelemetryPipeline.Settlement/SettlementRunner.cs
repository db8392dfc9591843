using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>What one settlement run found and staged.</summary>
/// <param name="Now">The settlement clock (wall clock, or <c>settle --now</c>).</param>
/// <param name="PeriodFrom">First date of the range whose revisions were compared and whose exceptions were replaced.</param>
/// <param name="PeriodTo">Last date of that range.</param>
/// <param name="UtcDaysRead">UTC days of buckets read from the store.</param>
/// <param name="BucketEntriesRead">Bucket cells read.</param>
/// <param name="PeriodsClosed">Closed periods within the horizon that had buckets (project local days, or UTC days for quantities without a project).</param>
/// <param name="PeriodsOpen">Periods within the horizon that had buckets but are not closed yet.</param>
/// <param name="AllocationsPlanned">Revisions the planner produced.</param>
/// <param name="AllocationsStaged">Revisions the ledger newly stored (fewer than planned when another run staged them first).</param>
/// <param name="LinesPlanned">Lines of the planned revisions.</param>
/// <param name="ExceptionsByKind">Exceptions by kind (<see cref="ExceptionKinds"/>), after this run.</param>
/// <param name="SettledAmountByCurrency">The amounts of the current totals of every closed period within the horizon, per currency.</param>
/// <param name="PlannedAmountByCurrency">The sum of the planned revisions' amounts (differences), per currency.</param>
/// <param name="Planned">The planned revisions.</param>
/// <param name="Exceptions">Every exception of the closed periods within the horizon.</param>
/// <param name="FuelReconciliation">Filled vs burned per machine and period.</param>
public sealed record SettlementReport(
    DateTimeOffset Now,
    DateOnly PeriodFrom,
    DateOnly PeriodTo,
    int UtcDaysRead,
    int BucketEntriesRead,
    int PeriodsClosed,
    int PeriodsOpen,
    int AllocationsPlanned,
    int AllocationsStaged,
    int LinesPlanned,
    IReadOnlyDictionary<string, int> ExceptionsByKind,
    IReadOnlyDictionary<string, decimal> SettledAmountByCurrency,
    IReadOnlyDictionary<string, decimal> PlannedAmountByCurrency,
    IReadOnlyList<Allocation> Planned,
    IReadOnlyList<SettlementException> Exceptions,
    IReadOnlyList<FuelReconciliationLine> FuelReconciliation)
{
    /// <summary>Periods within the horizon that had buckets, closed or not.</summary>
    public int PeriodsConsidered => PeriodsClosed + PeriodsOpen;
}

/// <summary>
/// One settlement: load master data, read the buckets of the horizon, compute current totals of closed periods,
/// plan revisions against the ledger, stage them and replace the exception list. Idempotent: a second run with the
/// same inputs stages nothing (deterministic ids and difference-only revisions).
/// </summary>
public sealed class SettlementRunner
{
    private readonly ITelemetryStore _store;
    private readonly IMasterDataSource _masterData;
    private readonly ISettlementLedger _ledger;
    private readonly SettlementOptions _options;
    private readonly SettlementCalculator _calculator;
    private readonly TimeProvider _clock;

    public SettlementRunner(
        ITelemetryStore store, IMasterDataSource masterData, ISettlementLedger ledger, SettlementOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(masterData);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(options);
        _calculator = new SettlementCalculator(options);
        _store = store;
        _masterData = masterData;
        _ledger = ledger;
        _options = options;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Settles as of the clock's current time.</summary>
    public Task<SettlementReport> RunAsync(CancellationToken cancellationToken) => RunAsync(_clock.GetUtcNow(), cancellationToken);

    /// <summary>Settles as of <paramref name="now"/> (replays and tests: <c>settle --now</c>).</summary>
    public async Task<SettlementReport> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        MasterDataSnapshot snapshot = await _masterData.LoadAsync(cancellationToken).ConfigureAwait(false);

        IReadOnlyList<long> days = SettlementWindow.UtcDaysToRead(now, _options);
        var entries = new List<BucketEntry>();
        foreach (long day in days)
        {
            entries.AddRange(await _store.ReadDayAsync(day, cancellationToken).ConfigureAwait(false));
        }

        SettlementCalculation calculation = _calculator.Calculate(entries, snapshot, now);

        var window = new SettlementWindow(now, _options, snapshot);
        IReadOnlyList<Allocation> stored = await _ledger
            .GetAllocationsForPeriodsAsync(window.EarliestPeriod, window.LatestPeriod, cancellationToken)
            .ConfigureAwait(false);

        // Only revisions of periods recomputed now may be compared: a period that left the horizon keeps what it has.
        var earlier = new List<Allocation>(stored.Count);
        foreach (Allocation allocation in stored)
        {
            if (window.Contains(new SettlementPeriod(allocation.ProjectCode, allocation.Period)))
            {
                earlier.Add(allocation);
            }
        }

        IReadOnlyList<Allocation> planned = RevisionPlanner.Plan(calculation.Totals, earlier);
        int staged = planned.Count == 0 ? 0 : await _ledger.StageAsync(planned, cancellationToken).ConfigureAwait(false);
        // The range is a superset of the recomputed periods (all zones), so it also clears exceptions of the day or two
        // that just left the horizon: by then ingest rejects their late events, so nothing can fix them by settlement.
        await _ledger.ReplaceExceptionsAsync(window.EarliestPeriod, window.LatestPeriod, calculation.Exceptions, cancellationToken)
            .ConfigureAwait(false);

        var exceptionsByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (SettlementException exception in calculation.Exceptions)
        {
            exceptionsByKind[exception.Kind] = exceptionsByKind.GetValueOrDefault(exception.Kind) + 1;
        }

        var settled = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (PeriodTotals totals in calculation.Totals)
        {
            settled[totals.Currency] = settled.GetValueOrDefault(totals.Currency) + totals.Amount;
        }

        var plannedAmounts = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        int lines = 0;
        foreach (Allocation allocation in planned)
        {
            plannedAmounts[allocation.Currency] = plannedAmounts.GetValueOrDefault(allocation.Currency) + allocation.Amount;
            lines += allocation.Lines.Count;
        }

        return new SettlementReport(
            now,
            window.EarliestPeriod,
            window.LatestPeriod,
            days.Count,
            entries.Count,
            calculation.ClosedPeriods.Count,
            calculation.OpenPeriods.Count,
            planned.Count,
            staged,
            lines,
            exceptionsByKind,
            settled,
            plannedAmounts,
            planned,
            calculation.Exceptions,
            calculation.FuelReconciliation);
    }
}

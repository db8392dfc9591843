using System.Globalization;
using System.Text;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;

namespace TelemetryPipeline.Odoo.Posting;

/// <summary>The outcome of reconciling the ledger with Odoo, with the ledger's statuses and a printable summary.</summary>
public sealed record LedgerReconciliationResult(OdooReconcileReport Report, IReadOnlyDictionary<AllocationStatus, int> LedgerStatuses)
{
    public bool IsClean => Report.IsClean;

    /// <summary>Exit code for the <c>reconcile</c> verb: 0 clean, 1 differences found.</summary>
    public int ExitCode => IsClean ? 0 : 1;

    /// <summary>One header line (range, counts, verdict), then one line per difference.</summary>
    public string Summary
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.Append(c, $"reconciliation {Report.From:yyyy-MM-dd}..{Report.To:yyyy-MM-dd}: {Report.AllocationsChecked} allocation(s) in the ledger");
            if (LedgerStatuses.Count > 0)
            {
                text.Append(" (");
                text.AppendJoin(", ", LedgerStatuses.OrderBy(static s => s.Key).Select(static s => string.Create(CultureInfo.InvariantCulture, $"{s.Key.ToWire()} {s.Value}")));
                text.Append(')');
            }

            text.Append(c, $", {Report.OdooRecords} Odoo record(s): ");
            if (Report.IsClean)
            {
                text.Append("clean");
                return text.ToString();
            }

            text.Append(c, $"{Report.Differences.Count} difference(s)");
            foreach (var difference in Report.Differences)
            {
                text.AppendLine().Append("  ").Append(difference);
            }

            return text.ToString();
        }
    }

    public override string ToString() => Summary;
}

/// <summary>
/// Compares the ledger with Odoo for a period range: every allocation of those periods (all revisions, all statuses),
/// as the poster would have sent it, against the records Odoo holds (see <see cref="OdooReconciler"/>).
/// </summary>
public sealed class LedgerReconciliation
{
    private readonly LedgerStore _ledger;
    private readonly OdooReconciler _reconciler;

    public LedgerReconciliation(LedgerStore ledger, OdooReconciler reconciler)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(reconciler);
        _ledger = ledger;
        _reconciler = reconciler;
    }

    /// <summary>
    /// Reconciles periods <paramref name="from"/>..<paramref name="to"/> inclusive. Odoo failures throw
    /// <see cref="OdooException"/>; an unreachable ledger throws <see cref="LedgerException"/>.
    /// </summary>
    public async Task<LedgerReconciliationResult> ReconcileAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        if (to < from)
        {
            throw new ArgumentException($"The period range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is empty.", nameof(to));
        }

        var allocations = await _ledger.GetAllocationsForPeriodsAsync(from, to, cancellationToken).ConfigureAwait(false);
        var ledger = new List<OdooLedgerAllocation>(allocations.Count);
        var statuses = new SortedDictionary<AllocationStatus, int>();
        foreach (var allocation in allocations)
        {
            ledger.Add(new OdooLedgerAllocation(OdooPostingInput.FromAllocation(allocation), allocation.Status));
            statuses[allocation.Status] = statuses.GetValueOrDefault(allocation.Status) + 1;
        }

        var report = await _reconciler.ReconcileAsync(ledger, from, to, cancellationToken).ConfigureAwait(false);
        return new LedgerReconciliationResult(report, statuses);
    }
}

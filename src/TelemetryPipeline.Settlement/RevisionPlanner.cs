using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// Turns current totals and the revisions already in the ledger into the revisions to stage
/// (ALLOCATION-RULES.md, "Windows and periods"). Pure.
/// </summary>
/// <remarks>
/// <para>A (period, project, cost code) with no earlier revision gets revision 1 holding the current totals. One with
/// earlier revisions 1..n gets revision n+1 holding, per equipment line, current − sum(earlier) of every quantity and
/// every amount, only for lines where one of them differs; when nothing differs nothing is staged. Amounts are
/// differences of amounts (never amounts of differences), so all revisions of a line always add up to exactly the
/// amounts of its final totals. A line that disappeared (rate now missing, re-attributed elsewhere) gets the negative
/// of what was allocated.</para>
/// <para>Earlier revisions count whatever their status, rejected ones included: approved numbers are never rewritten,
/// and a rejection is finance's decision about that revision (to be corrected by hand or by a later revision), not a
/// signal for settlement to re-stage the same numbers, which would stage them again on every run.</para>
/// <para>The caller passes the earlier revisions of exactly the periods it recomputed (closed, within the horizon):
/// a key with earlier revisions but no current totals is read as "all its lines disappeared".</para>
/// </remarks>
public static class RevisionPlanner
{
    /// <summary>The revisions to stage, status pending, ordered by period, project and cost code; lines by equipment id.</summary>
    public static IReadOnlyList<Allocation> Plan(IReadOnlyList<PeriodTotals> current, IReadOnlyList<Allocation> earlier)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(earlier);

        var keys = new Dictionary<AllocationKey, (PeriodTotals? Current, List<Allocation> Earlier)>();
        foreach (PeriodTotals totals in current)
        {
            var key = new AllocationKey(totals.Period, totals.ProjectCode, totals.CostCode);
            (PeriodTotals? existing, List<Allocation> list) = keys.GetValueOrDefault(key, (null, []));
            if (existing is not null)
            {
                throw new ArgumentException($"Current totals hold {key} twice.", nameof(current));
            }

            keys[key] = (totals, list);
        }

        foreach (Allocation allocation in earlier)
        {
            var key = new AllocationKey(allocation.Period, allocation.ProjectCode, allocation.CostCode);
            (PeriodTotals? totals, List<Allocation> list) = keys.GetValueOrDefault(key, (null, []));
            list.Add(allocation);
            keys[key] = (totals, list);
        }

        var ordered = new List<AllocationKey>(keys.Keys);
        ordered.Sort(static (a, b) =>
        {
            int c = a.Period.CompareTo(b.Period);
            c = c != 0 ? c : string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
            return c != 0 ? c : string.CompareOrdinal(a.CostCode, b.CostCode);
        });

        var staged = new List<Allocation>();
        foreach (AllocationKey key in ordered)
        {
            (PeriodTotals? totals, List<Allocation> revisions) = keys[key];
            Allocation? next = PlanOne(key, totals, revisions);
            if (next is not null)
            {
                staged.Add(next);
            }
        }

        return staged;
    }

    private static Allocation? PlanOne(AllocationKey key, PeriodTotals? current, List<Allocation> earlier)
    {
        int lastRevision = 0;
        string? lastCurrency = null;
        var allocated = new Dictionary<string, LineSum>(StringComparer.Ordinal);
        var seen = new HashSet<int>();

        // Oldest first, so the rate remembered for a vanished line is the one it was last priced with.
        earlier.Sort(static (a, b) => a.Revision.CompareTo(b.Revision));
        foreach (Allocation revision in earlier)
        {
            if (!seen.Add(revision.Revision))
            {
                // The ledger keys revisions by id; a duplicate in the input must not count twice.
                continue;
            }

            lastRevision = Math.Max(lastRevision, revision.Revision);
            lastCurrency = revision.Currency;
            foreach (AllocationLine line in revision.Lines)
            {
                allocated[line.EquipmentId] = allocated.GetValueOrDefault(line.EquipmentId).Plus(line);
            }
        }

        var differences = new List<AllocationLine>();
        var equipment = new SortedSet<string>(allocated.Keys, StringComparer.Ordinal);
        var now = new Dictionary<string, AllocationLine>(StringComparer.Ordinal);
        if (current is not null)
        {
            foreach (AllocationLine line in current.Lines)
            {
                if (!now.TryAdd(line.EquipmentId, line))
                {
                    throw new ArgumentException($"Current totals of {key} hold equipment {line.EquipmentId} twice.", nameof(current));
                }

                equipment.Add(line.EquipmentId);
            }
        }

        foreach (string equipmentId in equipment)
        {
            now.TryGetValue(equipmentId, out AllocationLine? target);
            allocated.TryGetValue(equipmentId, out LineSum sum);
            var difference = new AllocationLine(
                equipmentId,
                (target?.OperatingMs ?? 0) - sum.OperatingMs,
                (target?.IdleMs ?? 0) - sum.IdleMs,
                (target?.FuelMl ?? 0) - sum.FuelMl,
                (target?.OperatingAmount ?? 0m) - sum.OperatingAmount,
                (target?.IdleAmount ?? 0m) - sum.IdleAmount,
                (target?.FuelAmount ?? 0m) - sum.FuelAmount,
                target?.Rate ?? sum.LastRate!);
            if (difference.OperatingMs != 0 || difference.IdleMs != 0 || difference.FuelMl != 0
                || difference.OperatingAmount != 0m || difference.IdleAmount != 0m || difference.FuelAmount != 0m)
            {
                differences.Add(difference);
            }
        }

        if (differences.Count == 0)
        {
            return null;
        }

        string currency = current?.Currency ?? lastCurrency!;
        return new Allocation(key.Period, key.ProjectCode, key.CostCode, lastRevision + 1, currency, AllocationStatus.Pending, differences);
    }

    private readonly record struct AllocationKey(DateOnly Period, string ProjectCode, string CostCode);

    private readonly record struct LineSum(
        long OperatingMs, long IdleMs, long FuelMl, decimal OperatingAmount, decimal IdleAmount, decimal FuelAmount, AppliedRate? LastRate)
    {
        public LineSum Plus(AllocationLine line) => new(
            checked(OperatingMs + line.OperatingMs),
            checked(IdleMs + line.IdleMs),
            checked(FuelMl + line.FuelMl),
            OperatingAmount + line.OperatingAmount,
            IdleAmount + line.IdleAmount,
            FuelAmount + line.FuelAmount,
            line.Rate);
    }
}

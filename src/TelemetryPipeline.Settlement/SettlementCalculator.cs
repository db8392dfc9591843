using System.Globalization;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// Current totals of one (period, project, cost code): one priced line per canonical equipment, in the project's
/// currency. The input of <see cref="RevisionPlanner"/>.
/// </summary>
public sealed record PeriodTotals(
    DateOnly Period, string ProjectCode, string CostCode, string Currency, IReadOnlyList<AllocationLine> Lines)
{
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
}

/// <summary>
/// Fuel filled vs burned by one machine in one period, for reconciliation (fills are never allocated).
/// <see cref="Identifier"/> is the canonical equipment id when resolved, else the identifier as sent;
/// <see cref="ProjectCode"/> is null when the quantities have no project (then the period is the UTC day).
/// </summary>
public sealed record FuelReconciliationLine(
    DateOnly Period, string? ProjectCode, string Identifier, string? EquipmentId, long FilledMl, long BurnedMl);

/// <summary>What one settlement computed for every closed period within the horizon.</summary>
public sealed record SettlementCalculation(
    DateTimeOffset Now,
    IReadOnlyList<PeriodTotals> Totals,
    IReadOnlyList<SettlementException> Exceptions,
    IReadOnlyList<FuelReconciliationLine> FuelReconciliation,
    IReadOnlyList<SettlementPeriod> ClosedPeriods,
    IReadOnlyList<SettlementPeriod> OpenPeriods);

/// <summary>
/// Attributes buckets and computes current totals, amounts and exceptions of every closed period within the horizon
/// (ALLOCATION-RULES.md, "Attribution", "Windows and periods", "Amounts"). Pure: same input, same output.
/// </summary>
/// <remarks>
/// Periods: an attributed bucket (and an unresolved one whose events carried both codes) belongs to the local day of
/// its project's zone; quantities with no project (unresolved without codes, no assignment) have no zone, so their
/// exceptions are listed per UTC day. Only closed periods within the horizon produce totals and exceptions; open
/// periods are only counted. Lines whose quantities are all zero are not lines.
/// </remarks>
public sealed class SettlementCalculator
{
    private readonly SettlementOptions _options;

    public SettlementCalculator(SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Computes totals, exceptions and fuel reconciliation from <paramref name="entries"/> (any UTC days; out-of-scope ones are ignored).</summary>
    public SettlementCalculation Calculate(IReadOnlyList<BucketEntry> entries, MasterDataSnapshot snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(snapshot);
        var window = new SettlementWindow(now, _options, snapshot);

        var resolved = new Dictionary<string, string?>(StringComparer.Ordinal);
        var scope = new Dictionary<SettlementPeriod, bool>();
        var open = new HashSet<SettlementPeriod>();
        var lines = new Dictionary<LineKey, Quantities>();
        var unallocated = new Dictionary<ExceptionKey, Quantities>();
        var fuel = new Dictionary<FuelKey, (long Filled, long Burned)>();

        foreach (BucketEntry entry in entries)
        {
            if (!resolved.TryGetValue(entry.Identifier, out string? equipmentId))
            {
                equipmentId = snapshot.TryResolve(entry.Identifier, out string? id) ? id : null;
                resolved[entry.Identifier] = equipmentId;
            }

            BucketAttribution attribution = snapshot.AttributeResolved(equipmentId, entry.BucketStartMs, entry.ProjectCode, entry.CostCode);
            var period = new SettlementPeriod(attribution.ProjectCode, snapshot.GetCalendar(attribution.ProjectCode).PeriodOf(entry.BucketStartMs));
            if (!scope.TryGetValue(period, out bool inScope))
            {
                inScope = window.Contains(period);
                scope[period] = inScope;
                if (!inScope && window.IsWithinHorizon(period) && !window.IsClosed(period))
                {
                    open.Add(period);
                }
            }

            if (!inScope)
            {
                continue;
            }

            if (entry.Measure is Measure.FuelFillMl or Measure.FuelBurnMl)
            {
                var fuelKey = new FuelKey(period.Period, period.ProjectCode, equipmentId ?? entry.Identifier, equipmentId);
                (long filled, long burned) = fuel.GetValueOrDefault(fuelKey);
                fuel[fuelKey] = entry.Measure == Measure.FuelFillMl ? (filled + entry.Amount, burned) : (filled, burned + entry.Amount);
                if (entry.Measure == Measure.FuelFillMl)
                {
                    continue;
                }
            }

            if (attribution.Outcome == AttributionOutcome.Attributed)
            {
                var key = new LineKey(period.Period, attribution.ProjectCode!, attribution.CostCode!, attribution.EquipmentId!);
                lines[key] = lines.GetValueOrDefault(key).Add(entry.Measure, entry.Amount);
            }
            else
            {
                ExceptionKey key = attribution.Outcome == AttributionOutcome.UnresolvedIdentifier
                    ? new ExceptionKey(ExceptionKinds.UnresolvedIdentifier, period.Period, entry.Identifier, null, attribution.ProjectCode, attribution.CostCode)
                    : new ExceptionKey(ExceptionKinds.NoAssignment, period.Period, attribution.EquipmentId!, attribution.EquipmentId, null, null);
                unallocated[key] = unallocated.GetValueOrDefault(key).Add(entry.Measure, entry.Amount);
            }
        }

        var exceptions = new List<SettlementException>();
        foreach (KeyValuePair<ExceptionKey, Quantities> pair in unallocated)
        {
            if (!pair.Value.IsZero)
            {
                exceptions.Add(UnallocatedException(pair.Key, pair.Value));
            }
        }

        List<PeriodTotals> totals = Price(lines, snapshot, exceptions);

        exceptions.Sort(CompareExceptions);
        var fuelLines = new List<FuelReconciliationLine>(fuel.Count);
        foreach (KeyValuePair<FuelKey, (long Filled, long Burned)> pair in fuel)
        {
            fuelLines.Add(new FuelReconciliationLine(pair.Key.Period, pair.Key.ProjectCode, pair.Key.Identifier, pair.Key.EquipmentId, pair.Value.Filled, pair.Value.Burned));
        }

        fuelLines.Sort(static (a, b) =>
        {
            int c = a.Period.CompareTo(b.Period);
            c = c != 0 ? c : string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
            return c != 0 ? c : string.CompareOrdinal(a.Identifier, b.Identifier);
        });

        var closed = new List<SettlementPeriod>();
        foreach (KeyValuePair<SettlementPeriod, bool> pair in scope)
        {
            if (pair.Value)
            {
                closed.Add(pair.Key);
            }
        }

        closed.Sort(ComparePeriods);
        var openList = new List<SettlementPeriod>(open);
        openList.Sort(ComparePeriods);
        return new SettlementCalculation(now, totals, exceptions, fuelLines, closed, openList);
    }

    private static List<PeriodTotals> Price(Dictionary<LineKey, Quantities> lines, MasterDataSnapshot snapshot, List<SettlementException> exceptions)
    {
        var keys = new List<LineKey>(lines.Keys);
        keys.Sort(static (a, b) =>
        {
            int c = a.Period.CompareTo(b.Period);
            c = c != 0 ? c : string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
            c = c != 0 ? c : string.CompareOrdinal(a.CostCode, b.CostCode);
            return c != 0 ? c : string.CompareOrdinal(a.EquipmentId, b.EquipmentId);
        });

        var totals = new List<PeriodTotals>();
        List<AllocationLine>? current = null;
        LineKey group = default;
        foreach (LineKey key in keys)
        {
            Quantities q = lines[key];
            if (q.IsZero)
            {
                continue;
            }

            ProjectSettings project = snapshot.GetProject(key.ProjectCode);
            long periodStartMs = snapshot.GetCalendar(key.ProjectCode).StartOfDayUtcMs(key.Period);
            EquipmentRate? rate = snapshot.FindRate(key.EquipmentId, periodStartMs);
            if (rate is null)
            {
                exceptions.Add(LineException(ExceptionKinds.MissingRate, key, q, Invariant(
                    $"No rate of {key.EquipmentId} is valid at the start of the period ({key.Period:yyyy-MM-dd} 00:00 {project.TimeZone}, {DateTimeOffset.FromUnixTimeMilliseconds(periodStartMs):yyyy-MM-ddTHH:mm:ssZ}).")));
                continue;
            }

            if (!string.Equals(rate.Currency, project.Currency, StringComparison.OrdinalIgnoreCase))
            {
                exceptions.Add(LineException(ExceptionKinds.CurrencyMismatch, key, q, Invariant(
                    $"The rate of {key.EquipmentId} valid from {DateTimeOffset.FromUnixTimeMilliseconds(rate.ValidFromMs):yyyy-MM-ddTHH:mm:ssZ} is in {rate.Currency}; project {key.ProjectCode} settles in {project.Currency}.")));
                continue;
            }

            if (current is null || group.Period != key.Period || !string.Equals(group.ProjectCode, key.ProjectCode, StringComparison.Ordinal)
                || !string.Equals(group.CostCode, key.CostCode, StringComparison.Ordinal))
            {
                current = [];
                group = key;
                totals.Add(new PeriodTotals(key.Period, key.ProjectCode, key.CostCode, project.Currency!, current));
            }

            current.Add(AllocationPricing.Price(key.EquipmentId, q.OperatingMs, q.IdleMs, q.FuelMl, rate));
        }

        return totals;
    }

    private static SettlementException UnallocatedException(ExceptionKey key, Quantities q)
    {
        string detail = key.Kind == ExceptionKinds.UnresolvedIdentifier
            ? Invariant($"No alias maps the identifier '{key.Identifier}' to a canonical equipment id.")
            : Invariant($"No assignment of {key.Identifier} covers these buckets and their events carried no project and cost code.");
        return new SettlementException(key.Kind, key.Period, key.Identifier, key.EquipmentId, key.ProjectCode, key.CostCode, q.OperatingMs, q.IdleMs, q.FuelMl, detail);
    }

    private static SettlementException LineException(string kind, LineKey key, Quantities q, string detail) =>
        new(kind, key.Period, key.EquipmentId, key.EquipmentId, key.ProjectCode, key.CostCode, q.OperatingMs, q.IdleMs, q.FuelMl, detail);

    private static int CompareExceptions(SettlementException a, SettlementException b)
    {
        int c = a.Period.CompareTo(b.Period);
        c = c != 0 ? c : string.CompareOrdinal(a.Kind, b.Kind);
        c = c != 0 ? c : string.CompareOrdinal(a.Identifier, b.Identifier);
        c = c != 0 ? c : string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
        return c != 0 ? c : string.CompareOrdinal(a.CostCode, b.CostCode);
    }

    private static int ComparePeriods(SettlementPeriod a, SettlementPeriod b)
    {
        int c = a.Period.CompareTo(b.Period);
        return c != 0 ? c : string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private readonly record struct LineKey(DateOnly Period, string ProjectCode, string CostCode, string EquipmentId);

    private readonly record struct ExceptionKey(string Kind, DateOnly Period, string Identifier, string? EquipmentId, string? ProjectCode, string? CostCode);

    private readonly record struct FuelKey(DateOnly Period, string? ProjectCode, string Identifier, string? EquipmentId);

    private readonly record struct Quantities(long OperatingMs, long IdleMs, long FuelMl)
    {
        public bool IsZero => OperatingMs == 0 && IdleMs == 0 && FuelMl == 0;

        public Quantities Add(Measure measure, long amount) => measure switch
        {
            Measure.OperatingMs => this with { OperatingMs = checked(OperatingMs + amount) },
            Measure.IdleMs => this with { IdleMs = checked(IdleMs + amount) },
            Measure.FuelBurnMl => this with { FuelMl = checked(FuelMl + amount) },
            _ => this,
        };
    }
}

using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Web.Approvals;

/// <summary>One 15-minute bucket behind a line: what the machine's identifiers put in it, and why it counts for this cost code.</summary>
public sealed record BucketRow(long BucketStartMs, string Identifiers, long OperatingMs, long IdleMs, long FuelMl, string Via);

/// <summary>
/// How one line's amount comes about. For revision n the amounts are <c>amounts(totals through n) − amounts of
/// revisions before n</c> (ALLOCATION-RULES.md, "Windows and periods"), so both parts are shown; for revision 1 the
/// second is zero.
/// </summary>
public sealed record LineExplanation(
    AllocationLine Line,
    long CumulativeOperatingMs,
    long CumulativeIdleMs,
    long CumulativeFuelMl,
    AllocationLine PricedCumulative,
    decimal EarlierAmount,
    long BucketOperatingMs,
    long BucketIdleMs,
    long BucketFuelMl,
    IReadOnlyList<BucketRow> Buckets)
{
    /// <summary>True when the stored line amount is exactly the priced totals minus the earlier revisions.</summary>
    public bool AmountReproduces => PricedCumulative.Amount - EarlierAmount == Line.Amount;

    /// <summary>True when the buckets as they are now add up to every revision's quantities together.</summary>
    public bool BucketsMatchRevisions =>
        BucketOperatingMs == CumulativeAllOperatingMs && BucketIdleMs == CumulativeAllIdleMs && BucketFuelMl == CumulativeAllFuelMl;

    /// <summary>Quantities of every revision of this (period, project, cost code) for the machine, including later ones.</summary>
    public long CumulativeAllOperatingMs { get; init; }

    public long CumulativeAllIdleMs { get; init; }

    public long CumulativeAllFuelMl { get; init; }
}

/// <summary>"Explain this amount": an allocation's revisions, its lines priced step by step, and the buckets behind them.</summary>
public sealed record AllocationExplanation(
    LedgerEntry Entry,
    IReadOnlyList<Allocation> Revisions,
    string TimeZone,
    long PeriodStartMs,
    long PeriodEndMs,
    IReadOnlyList<LineExplanation> Lines);

/// <summary>Builds <see cref="AllocationExplanation"/>s from the ledger, the buckets and the current master data.</summary>
public sealed class AmountExplainer(LedgerStore ledger, ITelemetryStore telemetry, Func<MasterDataSnapshot> masterData)
{
    /// <summary>Null when no allocation has that id.</summary>
    public async Task<AllocationExplanation?> ExplainAsync(string allocationId, CancellationToken ct)
    {
        LedgerEntry? entry = await ledger.GetAsync(allocationId, ct).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        Allocation allocation = entry.Allocation;
        IReadOnlyList<Allocation> revisions = await ledger.GetRevisionsAsync(allocation.Period, allocation.ProjectCode, allocation.CostCode, ct).ConfigureAwait(false);
        MasterDataSnapshot snapshot = masterData();
        ProjectCalendar calendar = snapshot.GetCalendar(allocation.ProjectCode);
        long start = calendar.StartOfDayUtcMs(allocation.Period);
        long end = calendar.EndOfDayUtcMs(allocation.Period);

        var buckets = new Dictionary<string, SortedDictionary<long, BucketAccumulator>>(StringComparer.Ordinal);
        for (long day = BucketMath.UtcDay(start); day <= BucketMath.UtcDay(end - 1); day++)
        {
            foreach (BucketEntry bucket in await telemetry.ReadDayAsync(day, ct).ConfigureAwait(false))
            {
                if (bucket.BucketStartMs < start || bucket.BucketStartMs >= end || bucket.Measure == Measure.FuelFillMl)
                {
                    continue;
                }

                BucketAttribution attribution = snapshot.Attribute(bucket.Identifier, bucket.BucketStartMs, bucket.ProjectCode, bucket.CostCode);
                if (attribution.Outcome != AttributionOutcome.Attributed
                    || !string.Equals(attribution.ProjectCode, allocation.ProjectCode, StringComparison.Ordinal)
                    || !string.Equals(attribution.CostCode, allocation.CostCode, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!buckets.TryGetValue(attribution.EquipmentId!, out SortedDictionary<long, BucketAccumulator>? perBucket))
                {
                    perBucket = [];
                    buckets[attribution.EquipmentId!] = perBucket;
                }

                if (!perBucket.TryGetValue(bucket.BucketStartMs, out BucketAccumulator? acc))
                {
                    acc = new BucketAccumulator();
                    perBucket[bucket.BucketStartMs] = acc;
                }

                acc.Add(bucket, attribution.FromExplicitCodes);
            }
        }

        var lines = new List<LineExplanation>(allocation.Lines.Count);
        foreach (AllocationLine line in allocation.Lines)
        {
            long op = 0, idle = 0, fuel = 0, allOp = 0, allIdle = 0, allFuel = 0;
            decimal earlier = 0m;
            foreach (Allocation revision in revisions)
            {
                foreach (AllocationLine other in revision.Lines)
                {
                    if (!string.Equals(other.EquipmentId, line.EquipmentId, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    allOp += other.OperatingMs;
                    allIdle += other.IdleMs;
                    allFuel += other.FuelMl;
                    if (revision.Revision <= allocation.Revision)
                    {
                        op += other.OperatingMs;
                        idle += other.IdleMs;
                        fuel += other.FuelMl;
                    }

                    if (revision.Revision < allocation.Revision)
                    {
                        earlier += other.Amount;
                    }
                }
            }

            AppliedRate r = line.Rate;
            AllocationLine priced = AllocationPricing.Price(
                line.EquipmentId, op, idle, fuel,
                new EquipmentRate(line.EquipmentId, Ownership.Owned, r.OperatingRate, r.IdleRate, r.FuelIncluded, r.FuelPricePerLiter, r.Currency, r.ValidFromMs));

            var rows = new List<BucketRow>();
            long bOp = 0, bIdle = 0, bFuel = 0;
            if (buckets.TryGetValue(line.EquipmentId, out SortedDictionary<long, BucketAccumulator>? perBucket))
            {
                foreach ((long bucketStart, BucketAccumulator acc) in perBucket)
                {
                    rows.Add(acc.ToRow(bucketStart));
                    bOp += acc.OperatingMs;
                    bIdle += acc.IdleMs;
                    bFuel += acc.FuelMl;
                }
            }

            lines.Add(new LineExplanation(line, op, idle, fuel, priced, earlier, bOp, bIdle, bFuel, rows)
            {
                CumulativeAllOperatingMs = allOp,
                CumulativeAllIdleMs = allIdle,
                CumulativeAllFuelMl = allFuel,
            });
        }

        return new AllocationExplanation(entry, revisions, calendar.Zone.Id, start, end, lines);
    }

    private sealed class BucketAccumulator
    {
        private readonly SortedSet<string> _identifiers = new(StringComparer.Ordinal);
        private bool _explicit;
        private bool _assigned;

        public long OperatingMs { get; private set; }

        public long IdleMs { get; private set; }

        public long FuelMl { get; private set; }

        public void Add(BucketEntry bucket, bool fromExplicitCodes)
        {
            _identifiers.Add(bucket.Identifier);
            _explicit |= fromExplicitCodes;
            _assigned |= !fromExplicitCodes;
            switch (bucket.Measure)
            {
                case Measure.OperatingMs:
                    OperatingMs += bucket.Amount;
                    break;
                case Measure.IdleMs:
                    IdleMs += bucket.Amount;
                    break;
                case Measure.FuelBurnMl:
                    FuelMl += bucket.Amount;
                    break;
            }
        }

        public BucketRow ToRow(long bucketStart) => new(
            bucketStart,
            string.Join(", ", _identifiers),
            OperatingMs,
            IdleMs,
            FuelMl,
            (_explicit, _assigned) switch
            {
                (true, true) => "event codes + assignment",
                (true, false) => "event codes",
                _ => "assignment",
            });
    }
}

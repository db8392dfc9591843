using TelemetryPipeline.Domain;

namespace TelemetryPipeline.State.Tests;

/// <summary>
/// The dedupe+meters+buckets rules written plainly in C# (ALLOCATION-RULES.md, "Quantities"), with
/// <see cref="BucketMath.Spread"/> doing the spreading: what the store must agree with.
/// </summary>
internal sealed class ReferenceModel
{
    private const long FuelAnomalyMl = 2_000_000;

    // The dedupe id already covers (record type, source, eventId); ids are remembered per event hour.
    private readonly HashSet<(long Hour, ulong Id)> _seen = [];
    private readonly Dictionary<(string Identifier, Measure Measure), (long Time, long Reading)> _meters = [];

    public Dictionary<(string Identifier, long Bucket, Measure Measure, string? Project, string? Cost), long> Cells { get; } = [];

    public List<MeterIncident> Incidents { get; } = [];

    public EventOutcome Apply(NormalizedEvent e)
    {
        if (!_seen.Add((Math.DivRem(e.EventTimeMs, 3_600_000).Quotient, e.DedupeId)))
        {
            return EventOutcome.Duplicate;
        }

        switch (e.Kind)
        {
            case ContributionKind.Delta:
                Spread(e, e.Amount, e.IntervalStartMs, e.EventTimeMs);
                return EventOutcome.Applied;
            case ContributionKind.Point:
                Add(e, BucketMath.BucketStart(e.EventTimeMs), e.Amount);
                return EventOutcome.Applied;
            default:
                return Meter(e);
        }
    }

    public Dictionary<(string Identifier, long Bucket, Measure Measure, string? Project, string? Cost), long> NonZeroCells() =>
        Cells.Where(static c => c.Value != 0).ToDictionary(static c => c.Key, static c => c.Value);

    private EventOutcome Meter(NormalizedEvent e)
    {
        var key = (e.Identifier, e.Measure);
        if (!_meters.TryGetValue(key, out var baseline))
        {
            _meters[key] = (e.EventTimeMs, e.Amount);
            return EventOutcome.Baseline;
        }

        if (e.EventTimeMs <= baseline.Time)
        {
            Incidents.Add(new MeterIncident(e.Identifier, e.Measure, EventOutcome.LateReading, e.EventTimeMs, baseline.Time, baseline.Reading, e.Amount, 0));
            return EventOutcome.LateReading;
        }

        _meters[key] = (e.EventTimeMs, e.Amount);
        if (e.Amount < baseline.Reading)
        {
            Incidents.Add(new MeterIncident(e.Identifier, e.Measure, EventOutcome.Reset, e.EventTimeMs, baseline.Time, baseline.Reading, e.Amount, 0));
            return EventOutcome.Reset;
        }

        long delta = e.Amount - baseline.Reading;
        bool anomaly = e.Measure is Measure.OperatingMs or Measure.IdleMs
            ? delta > e.EventTimeMs - baseline.Time
            : delta > FuelAnomalyMl;
        if (anomaly)
        {
            Incidents.Add(new MeterIncident(e.Identifier, e.Measure, EventOutcome.Anomaly, e.EventTimeMs, baseline.Time, baseline.Reading, e.Amount, delta));
            return EventOutcome.Anomaly;
        }

        Spread(e, delta, baseline.Time, e.EventTimeMs);
        return EventOutcome.Applied;
    }

    private void Spread(NormalizedEvent e, long amount, long start, long end) =>
        BucketMath.Spread(amount, start, end, (bucket, part) => Add(e, bucket, part));

    private void Add(NormalizedEvent e, long bucket, long amount)
    {
        bool codes = !string.IsNullOrEmpty(e.ProjectCode) && !string.IsNullOrEmpty(e.CostCode);
        var key = (e.Identifier, bucket, e.Measure, codes ? e.ProjectCode : null, codes ? e.CostCode : null);
        Cells[key] = Cells.GetValueOrDefault(key) + amount;
    }
}

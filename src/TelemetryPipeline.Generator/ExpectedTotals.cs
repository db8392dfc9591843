using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

/// <summary>One bucket line of the oracle: identifier as sent, 15-minute bucket, measure, explicit codes ("" when none).</summary>
public readonly record struct ExpectedBucketKey(string Identifier, long BucketStartMs, Measure Measure, string ProjectCode, string CostCode);

public enum ExpectedOutcomeKind : byte
{
    Applied = 1,
    Duplicate = 2,
    Rejected = 3,
    MasterData = 4,
}

/// <summary>
/// What the pipeline must do with one record: the rejection <paramref name="Reason"/> for a rejected one, and for
/// telemetry that reaches the store the <see cref="EventOutcome"/> the dedupe+buckets step must report.
/// </summary>
public readonly record struct ExpectedOutcome(ExpectedOutcomeKind Kind, string? Reason = null, EventOutcome? Store = null);

/// <summary>
/// An independent oracle of ALLOCATION-RULES.md "Events" and "Quantities": feed it the records in delivery order
/// and it says what every bucket must hold. It shares nothing with the pipeline but the Domain record types and
/// the rejection reason codes. Zero contributions are not listed.
/// </summary>
/// <remarks>
/// Precedence, as agreed with the pipeline: time checks (future, retention) before measure checks; a usage/idle
/// record with both delta and cumulative is a meter reading (its delta ignored, not validated); a BURN with
/// <c>cumulativeFuelUsedLiters</c> is a fuel-meter reading whose quantity is still validated; a FILL lands whole
/// in the bucket of its eventTime as <see cref="Measure.FuelFillMl"/>, its meter field ignored; rejected records
/// never mark their event id; a late meter reading marks its id. Incidents use the Domain's <see cref="MeterIncident"/>
/// with <c>HeldOutDelta</c> = the withheld delta for an anomaly and 0 for resets and late readings.
/// </remarks>
public sealed class ExpectedTotals
{
    public const long BucketMs = 15 * 60 * 1000;
    public const long FutureToleranceMs = 5 * 60 * 1000;

    /// <summary>2,000 litres: the most fuel one event or one fuel-meter delta may carry.</summary>
    public const long MaxFuelMl = 2_000_000;

    private readonly long _nowMs;
    private readonly long _retentionMs;
    private readonly Dictionary<ExpectedBucketKey, long> _buckets = [];
    private readonly Dictionary<string, int> _rejections = new(StringComparer.Ordinal);
    private readonly HashSet<(RecordType Type, string Source, string EventId)> _seen = [];
    private readonly Dictionary<(string Identifier, Measure Meter), (long TimeMs, long Reading)> _meters = [];
    private readonly List<MeterIncident> _incidents = [];

    /// <param name="nowMs">Processing time, UTC ms.</param>
    /// <param name="retention">Dedupe retention (default 30 days).</param>
    public ExpectedTotals(long nowMs, TimeSpan? retention = null)
    {
        _nowMs = nowMs;
        _retentionMs = (long)(retention ?? TimeSpan.FromDays(30)).TotalMilliseconds;
    }

    /// <summary>Bucket contributions; absent keys are zero.</summary>
    public IReadOnlyDictionary<ExpectedBucketKey, long> Buckets => _buckets;

    /// <summary>Rejected records by reason code.</summary>
    public IReadOnlyDictionary<string, int> Rejections => _rejections;

    public int RejectedCount { get; private set; }

    public int Duplicates { get; private set; }

    /// <summary>Telemetry records accepted for the first time (including late readings, resets and anomalies).</summary>
    public int Applied { get; private set; }

    public int MasterDataRecords { get; private set; }

    public IReadOnlyList<MeterIncident> Incidents => _incidents;

    /// <summary>Runs the oracle over <paramref name="records"/> in delivery order.</summary>
    public static ExpectedTotals Compute(IEnumerable<GeneratedRecord> records, long nowMs, TimeSpan? retention = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var totals = new ExpectedTotals(nowMs, retention);
        foreach (var record in records)
        {
            totals.Apply(record);
        }

        return totals;
    }

    /// <summary>Applies the next delivered Kafka record; undecodable ones are rejected with the generator's reason.</summary>
    public ExpectedOutcome Apply(GeneratedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Record is null)
        {
            return Reject(record.ExpectedRejection ?? RejectionReasons.Undecodable);
        }

        return Apply(record.Record);
    }

    /// <summary>Applies the next decoded record (telemetry or master data).</summary>
    public ExpectedOutcome Apply(object record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record is not TelemetryEvent ev)
        {
            MasterDataRecords++;
            return new ExpectedOutcome(ExpectedOutcomeKind.MasterData);
        }

        if (Validate(ev) is { } reason)
        {
            return Reject(reason);
        }

        if (!_seen.Add((ev.Type, ev.Source, ev.EventId)))
        {
            Duplicates++;
            return new ExpectedOutcome(ExpectedOutcomeKind.Duplicate, Store: EventOutcome.Duplicate);
        }

        Applied++;
        bool codes = !string.IsNullOrEmpty(ev.ProjectCode) && !string.IsNullOrEmpty(ev.CostCode);
        string project = codes ? ev.ProjectCode! : string.Empty;
        string cost = codes ? ev.CostCode! : string.Empty;
        string id = ev.Equipment.Key;
        var store = EventOutcome.Applied;
        switch (ev)
        {
            case EquipmentUsage u when u.CumulativeOperatingHours is { } reading:
                store = Meter(id, Measure.OperatingMs, ev.EventTimeMs, Ms(reading), project, cost);
                break;
            case EquipmentUsage u:
                Delta(id, Measure.OperatingMs, ev.EventTimeMs, u.IntervalStartMs, Ms(u.OperatingHours!.Value), project, cost);
                break;
            case EquipmentIdle i when i.CumulativeIdleHours is { } reading:
                store = Meter(id, Measure.IdleMs, ev.EventTimeMs, Ms(reading), project, cost);
                break;
            case EquipmentIdle i:
                Delta(id, Measure.IdleMs, ev.EventTimeMs, i.IntervalStartMs, Ms(i.IdleHours!.Value), project, cost);
                break;
            case FuelEvent { Kind: FuelKind.Fill } f:
                Add(new ExpectedBucketKey(id, BucketOf(f.EventTimeMs), Measure.FuelFillMl, project, cost), Ml(f));
                break;
            case FuelEvent f when f.CumulativeFuelUsedLiters is { } liters:
                store = Meter(id, Measure.FuelBurnMl, ev.EventTimeMs, Round(liters * 1000.0), project, cost);
                break;
            case FuelEvent f:
                Add(new ExpectedBucketKey(id, BucketOf(f.EventTimeMs), Measure.FuelBurnMl, project, cost), Ml(f));
                break;
        }

        return new ExpectedOutcome(ExpectedOutcomeKind.Applied, Store: store);
    }

    /// <summary>The buckets in the store's shape (codes null when the events carried none), ordered by identifier, bucket, measure, codes.</summary>
    public IEnumerable<BucketEntry> Entries()
    {
        var keys = new List<ExpectedBucketKey>(_buckets.Keys);
        keys.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Identifier, b.Identifier);
            if (c == 0)
            {
                c = a.BucketStartMs.CompareTo(b.BucketStartMs);
            }

            if (c == 0)
            {
                c = a.Measure.CompareTo(b.Measure);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
            }

            return c == 0 ? string.CompareOrdinal(a.CostCode, b.CostCode) : c;
        });
        foreach (var key in keys)
        {
            yield return new BucketEntry(
                key.Identifier,
                key.BucketStartMs,
                key.Measure,
                key.ProjectCode.Length == 0 ? null : key.ProjectCode,
                key.CostCode.Length == 0 ? null : key.CostCode,
                _buckets[key]);
        }
    }

    /// <summary>Sum over all buckets of one measure.</summary>
    public long Total(Measure measure)
    {
        long sum = 0;
        foreach (var (key, amount) in _buckets)
        {
            if (key.Measure == measure)
            {
                sum += amount;
            }
        }

        return sum;
    }

    /// <summary>Sum over all buckets of one identifier as sent (<c>scheme:value</c>) and measure.</summary>
    public long Total(string identifier, Measure measure)
    {
        long sum = 0;
        foreach (var (key, amount) in _buckets)
        {
            if (key.Measure == measure && key.Identifier == identifier)
            {
                sum += amount;
            }
        }

        return sum;
    }

    private string? Validate(TelemetryEvent ev)
    {
        if (string.IsNullOrWhiteSpace(ev.EventId) || string.IsNullOrWhiteSpace(ev.Source)
            || ev.Equipment.Scheme is not ("canonical" or "serial" or "telematics" or "rental")
            || string.IsNullOrWhiteSpace(ev.Equipment.Value))
        {
            return RejectionReasons.InvalidIdentifier;
        }

        if (ev.EventTimeMs > _nowMs + FutureToleranceMs)
        {
            return RejectionReasons.FutureEventTime;
        }

        if (ev.EventTimeMs < _nowMs - _retentionMs)
        {
            return RejectionReasons.BeyondRetention;
        }

        switch (ev)
        {
            case EquipmentUsage u:
                return ValidateTime(ev.EventTimeMs, u.IntervalStartMs, u.OperatingHours, u.CumulativeOperatingHours);
            case EquipmentIdle i:
                return ValidateTime(ev.EventTimeMs, i.IntervalStartMs, i.IdleHours, i.CumulativeIdleHours);
            case FuelEvent f:
                if (!double.IsFinite(f.Quantity))
                {
                    return RejectionReasons.InvalidNumber;
                }

                if (f.Quantity <= 0)
                {
                    return RejectionReasons.NonPositiveQuantity;
                }

                if (f.Quantity > 1e12 || Ml(f) > MaxFuelMl)
                {
                    return RejectionReasons.AbsurdQuantity;
                }

                if (f.Kind == FuelKind.Burn && f.CumulativeFuelUsedLiters is { } meter && !IsReading(meter, 1000.0))
                {
                    return RejectionReasons.InvalidNumber;
                }

                return null;
            default:
                return RejectionReasons.UnknownSchema;
        }
    }

    private static string? ValidateTime(long eventTimeMs, long? intervalStartMs, double? delta, double? cumulative)
    {
        if (cumulative is { } reading)
        {
            return IsReading(reading, 3_600_000.0) ? null : RejectionReasons.InvalidNumber;
        }

        if (delta is not { } hours)
        {
            return RejectionReasons.MissingMeasure;
        }

        if (!double.IsFinite(hours))
        {
            return RejectionReasons.InvalidNumber;
        }

        if (hours < 0)
        {
            return RejectionReasons.NegativeDelta;
        }

        if (intervalStartMs is { } start)
        {
            if (start >= eventTimeMs)
            {
                return RejectionReasons.InvalidInterval;
            }

            // More than one hour of operation per hour of interval.
            if (hours * 3_600_000.0 > 4e18 || Ms(hours) > eventTimeMs - start)
            {
                return RejectionReasons.DeltaExceedsInterval;
            }
        }
        else if (hours * 3_600_000.0 > 4e18)
        {
            return RejectionReasons.DeltaExceedsInterval;
        }

        return null;
    }

    private static bool IsReading(double value, double factor) => double.IsFinite(value) && value >= 0 && value * factor < 4e18;

    private void Delta(string id, Measure measure, long eventTimeMs, long? intervalStartMs, long amount, string project, string cost)
    {
        long start = intervalStartMs ?? eventTimeMs - amount;
        Spread(id, measure, amount, start, eventTimeMs, project, cost);
    }

    private EventOutcome Meter(string id, Measure meter, long timeMs, long reading, string project, string cost)
    {
        var key = (id, meter);
        if (!_meters.TryGetValue(key, out var last))
        {
            _meters[key] = (timeMs, reading);
            return EventOutcome.Baseline;
        }

        if (timeMs <= last.TimeMs)
        {
            _incidents.Add(new MeterIncident(id, meter, EventOutcome.LateReading, timeMs, last.TimeMs, last.Reading, reading, 0));
            return EventOutcome.LateReading;
        }

        _meters[key] = (timeMs, reading);
        if (reading < last.Reading)
        {
            _incidents.Add(new MeterIncident(id, meter, EventOutcome.Reset, timeMs, last.TimeMs, last.Reading, reading, 0));
            return EventOutcome.Reset;
        }

        long delta = reading - last.Reading;
        long limit = meter == Measure.FuelBurnMl ? MaxFuelMl : timeMs - last.TimeMs;
        if (delta > limit)
        {
            _incidents.Add(new MeterIncident(id, meter, EventOutcome.Anomaly, timeMs, last.TimeMs, last.Reading, reading, delta));
            return EventOutcome.Anomaly;
        }

        Spread(id, meter, delta, last.TimeMs, timeMs, project, cost);
        return EventOutcome.Applied;
    }

    /// <summary>floor(D × overlap / length) per bucket, the remainder to the last bucket.</summary>
    private void Spread(string id, Measure measure, long amount, long startMs, long endMs, string project, string cost)
    {
        if (amount == 0)
        {
            return;
        }

        long length = endMs - startMs;
        long given = 0;
        for (long bucket = BucketOf(startMs); bucket < endMs; bucket += BucketMs)
        {
            long part;
            if (bucket + BucketMs >= endMs)
            {
                part = amount - given;
            }
            else
            {
                long overlap = Math.Min(bucket + BucketMs, endMs) - Math.Max(bucket, startMs);
                part = (long)((Int128)amount * overlap / length);
            }

            given += part;
            Add(new ExpectedBucketKey(id, bucket, measure, project, cost), part);
        }
    }

    private void Add(ExpectedBucketKey key, long amount)
    {
        if (amount == 0)
        {
            return;
        }

        _buckets[key] = _buckets.GetValueOrDefault(key) + amount;
    }

    private ExpectedOutcome Reject(string reason)
    {
        RejectedCount++;
        _rejections[reason] = _rejections.GetValueOrDefault(reason) + 1;
        return new ExpectedOutcome(ExpectedOutcomeKind.Rejected, reason);
    }

    private static long BucketOf(long timeMs)
    {
        long r = timeMs % BucketMs;
        return timeMs - (r < 0 ? r + BucketMs : r);
    }

    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);

    private static long Ms(double hours) => Round(hours * 3_600_000.0);

    private static long Ml(FuelEvent f) => f.Unit == FuelUnit.UsGallon ? Round(f.Quantity * 3785.411784) : Round(f.Quantity * 1000.0);
}

using System.Globalization;
using System.Runtime.InteropServices;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

/// <summary>
/// One shard's part of a batch, decided in C#: which dedupe sets and meter baselines it needs (read by
/// <c>read.lua</c>), then, given what they held, every event's outcome in input order and the writes that follow
/// (marks, baselines, bucket increments, index members, incidents), which <c>apply.lua</c> performs only if what was
/// read is still what Redis holds. The rules are ALLOCATION-RULES.md's "Quantities"; spreading is
/// <see cref="BucketMath.Spread"/>.
/// </summary>
internal sealed class ApplyPlan
{
    private const long FuelAnomalyMl = 2_000_000;
    private const long HourMs = 3_600_000;
    private const int FieldsPerSlot = (int)Measure.FuelFillMl + 1;

    private static readonly string[] s_fieldsWithoutCodes = new string[BucketMath.BucketsPerDay * FieldsPerSlot];

    private readonly RedisKeyspace _keys;
    private int _shard;
    private readonly int _dedupeSetsPerHour;
    private IReadOnlyList<NormalizedEvent> _events = [];
    private int[]? _members;
    private int _count;

    // Dedupe: per event its set and its position in the set's candidate list (-1: an earlier event of the batch has the same id).
    private int[] _dedupeSet = [];
    private int[] _dedupePosition = [];
    private readonly List<DedupeSet> _sets = [];
    private readonly Dictionary<(long Hour, int Slot), int> _setIndex = [];
    private readonly HashSet<(int Set, ulong Id)> _firstSeen = [];

    // Meters: per (identifier, measure) read once.
    private readonly Dictionary<string, MeterKey> _meters = new(StringComparer.Ordinal);
    private readonly List<MeterKey> _meterOrder = [];

    // Decisions (filled by Decide).
    private readonly Dictionary<(string Identifier, long Day), BucketKey> _buckets = [];
    private readonly List<BucketKey> _bucketOrder = [];
    private readonly Dictionary<long, List<string>> _incidents = [];
    private readonly Dictionary<(string? Project, string? Cost), string[]> _fieldsByCodes = [];
    private readonly Action<long, long> _addToCurrent;
    private NormalizedEvent _current;
    private BucketKey? _lastBucket;

    /// <summary>
    /// A plan to be <see cref="Prepare"/>d for one shard's batch at a time. Plans are reused (the store pools them): the
    /// collections keep their capacity, so a 5,000-event batch does not allocate its large tables anew each time.
    /// </summary>
    public ApplyPlan(RedisKeyspace keys, int dedupeSetsPerHour)
    {
        _keys = keys;
        _dedupeSetsPerHour = dedupeSetsPerHour;
        _addToCurrent = (bucket, amount) => AddCell(_current, bucket, amount);
    }

    /// <summary>Takes a shard's events (<paramref name="members"/> index <paramref name="events"/>; null: all of them) and works out what to read.</summary>
    public void Prepare(int shard, IReadOnlyList<NormalizedEvent> events, int[]? members, int count)
    {
        _shard = shard;
        _events = events;
        _members = members;
        _count = count;
        if (_dedupeSet.Length < count)
        {
            _dedupeSet = new int[count];
            _dedupePosition = new int[count];
            Outcomes = new EventOutcome[count];
        }

        _sets.Clear();
        _setIndex.Clear();
        _firstSeen.Clear();
        _meters.Clear();
        _meterOrder.Clear();
        _buckets.Clear();
        _bucketOrder.Clear();
        _incidents.Clear();
        if (_fieldsByCodes.Count > 4096)
        {
            _fieldsByCodes.Clear();
        }

        _lastBucket = null;
        _current = default;
        for (int j = 0; j < count; j++)
        {
            NormalizedEvent e = Event(j);
            long hour = Math.DivRem(e.EventTimeMs, HourMs, out long rest) - (rest < 0 ? 1 : 0);
            int slot = (int)(e.DedupeId % (ulong)_dedupeSetsPerHour);
            if (!_setIndex.TryGetValue((hour, slot), out int set))
            {
                set = _sets.Count;
                _setIndex.Add((hour, slot), set);
                _sets.Add(new DedupeSet(_keys.Dedupe(shard, hour, slot)));
            }

            _dedupeSet[j] = set;
            List<long> candidates = _sets[set].Candidates;
            // Same id within the same set: the later one is a duplicate of the earlier, whatever Redis holds.
            if (!_firstSeen.Add((set, e.DedupeId)))
            {
                _dedupePosition[j] = -1;
            }
            else
            {
                _dedupePosition[j] = candidates.Count;
                candidates.Add(unchecked((long)e.DedupeId));
            }

            if (e.Kind == ContributionKind.MeterReading)
            {
                if (!_meters.TryGetValue(e.Identifier, out MeterKey? meter))
                {
                    meter = new MeterKey(_keys.Meter(shard, e.Identifier));
                    _meters.Add(e.Identifier, meter);
                    _meterOrder.Add(meter);
                }

                meter.Want(e.Measure);
            }
        }
    }

    /// <summary>The outcome of each of the batch's events (the first <c>count</c> entries), valid after <see cref="Decide"/>.</summary>
    public EventOutcome[] Outcomes { get; private set; } = [];


    /// <summary>True when <see cref="Decide"/> found nothing to write: every event a duplicate (any other outcome marks its id).</summary>
    public bool NothingToWrite => _sets.TrueForAll(static s => s.Marks.Count == 0);

    /// <summary>
    /// Arguments of <c>read.lua</c>: the layout to create if the shard has none, then per dedupe set its key and
    /// candidate ids, then per meter key the measures wanted.
    /// </summary>
    public RedisArgs ReadArguments(string proposedLayout)
    {
        var args = new RedisArgs((_count * 24) + (_sets.Count * 40) + (_meterOrder.Count * 48) + 128);
        args.Add(proposedLayout).Add(_sets.Count);
        foreach (DedupeSet set in _sets)
        {
            args.Add(set.Key).Add(set.Candidates.Count);
            foreach (long id in CollectionsMarshal.AsSpan(set.Candidates))
            {
                args.Add(id);
            }
        }

        args.Add(_meterOrder.Count);
        foreach (MeterKey meter in _meterOrder)
        {
            args.Add(meter.Key).Add(meter.Measures.Count);
            foreach (Measure measure in meter.Measures)
            {
                args.Add((int)measure);
            }
        }

        return args;
    }

    /// <summary>
    /// Decides every event in order against what <c>read.lua</c> returned: <paramref name="known"/> one '0'/'1' per
    /// candidate id (sets in order), <paramref name="baselines"/> one value per wanted meter measure (empty: none).
    /// </summary>
    /// <exception cref="RedisProtocolException">The reply does not have the shape asked for.</exception>
    public void Decide(ReadOnlySpan<byte> known, ReadOnlySpan<RedisValue> baselines)
    {
        int candidates = 0;
        foreach (DedupeSet set in _sets)
        {
            set.Marks.Clear();
            set.KnownFrom = candidates;
            candidates += set.Candidates.Count;
        }

        int wanted = 0;
        foreach (MeterKey meter in _meterOrder)
        {
            wanted += meter.Measures.Count;
        }

        if (known.Length != candidates || baselines.Length != wanted)
        {
            throw new RedisProtocolException(string.Create(CultureInfo.InvariantCulture,
                $"read.lua returned {known.Length} dedupe flags and {baselines.Length} baselines; expected {candidates} and {wanted}."));
        }

        int at = 0;
        foreach (MeterKey meter in _meterOrder)
        {
            meter.Load(baselines.Slice(at, meter.Measures.Count));
            at += meter.Measures.Count;
        }

        _buckets.Clear();
        _bucketOrder.Clear();
        _lastBucket = null;
        _incidents.Clear();
        for (int j = 0; j < _count; j++)
        {
            Outcomes[j] = DecideOne(j, known);
        }
    }

    /// <summary>Arguments of <c>apply.lua</c> (see the script for the layout); <paramref name="tracker"/> says which keys need their TTL set.</summary>
    public RedisArgs ApplyArguments(string layout, long dedupeTtlSeconds, long bucketTtlSeconds, KeyTouchTracker tracker, long nowMs, List<string> touched)
    {
        var args = new RedisArgs((_count * 40) + (_bucketOrder.Count * 120) + 256);
        args.Add(layout).Add(dedupeTtlSeconds).Add(bucketTtlSeconds);

        int sets = _sets.Count(static s => s.Marks.Count > 0);
        args.Add(sets);
        foreach (DedupeSet set in _sets)
        {
            if (set.Marks.Count > 0)
            {
                args.Add(set.Key).Add(Touch(set.Key)).Add(set.Marks.Count);
                foreach (long id in CollectionsMarshal.AsSpan(set.Marks))
                {
                    args.Add(id);
                }
            }
        }

        int meters = _meterOrder.Count(static m => m.Dirty);
        args.Add(meters);
        foreach (MeterKey meter in _meterOrder)
        {
            if (meter.Dirty)
            {
                args.Add(meter.Key).Add(Touch(meter.Key)).Add(meter.DirtyCount);
                meter.AddChanges(args);
            }
        }

        var index = new Dictionary<long, List<string>>();
        int buckets = _bucketOrder.Count(static b => b.HasCells);
        args.Add(buckets);
        foreach (BucketKey bucket in _bucketOrder)
        {
            if (!bucket.HasCells)
            {
                continue;
            }

            int touch = Touch(bucket.Key);
            args.Add(bucket.Key).Add(touch).Add(bucket.NonZeroCells);
            bucket.AddCells(args);

            if (touch == 1)
            {
                if (!index.TryGetValue(bucket.Day, out List<string>? members))
                {
                    index.Add(bucket.Day, members = []);
                }

                members.Add(bucket.Identifier);
            }
        }

        AddMembers(index, day => _keys.DayIndex(_shard, day));
        AddMembers(_incidents, day => _keys.Incidents(_shard, day));
        return args;

        void AddMembers(Dictionary<long, List<string>> byDay, Func<long, string> keyOf)
        {
            args.Add(byDay.Count);
            foreach ((long day, List<string> members) in byDay)
            {
                string key = keyOf(day);
                args.Add(key).Add(Touch(key)).Add(members.Count);
                foreach (string member in members)
                {
                    args.Add(member);
                }
            }
        }

        int Touch(string key)
        {
            if (!tracker.NeedsTouch(key, nowMs))
            {
                return 0;
            }

            touched.Add(key);
            return 1;
        }
    }

    private NormalizedEvent Event(int j) => _events[_members is null ? j : _members[j]];

    private EventOutcome DecideOne(int j, ReadOnlySpan<byte> known)
    {
        int position = _dedupePosition[j];
        if (position < 0)
        {
            return EventOutcome.Duplicate;
        }

        DedupeSet set = _sets[_dedupeSet[j]];
        if (known[set.KnownFrom + position] == (byte)'1')
        {
            return EventOutcome.Duplicate;
        }

        set.Marks.Add(set.Candidates[position]);
        NormalizedEvent e = Event(j);
        switch (e.Kind)
        {
            case ContributionKind.Delta:
                _current = e;
                BucketMath.Spread(e.Amount, e.IntervalStartMs, e.EventTimeMs, _addToCurrent);
                return EventOutcome.Applied;
            case ContributionKind.Point:
                AddCell(e, BucketMath.BucketStart(e.EventTimeMs), e.Amount);
                return EventOutcome.Applied;
            default:
                return Meter(e);
        }
    }

    private EventOutcome Meter(NormalizedEvent e)
    {
        MeterKey meter = _meters[e.Identifier];
        if (meter.Baseline(e.Measure) is not { } baseline)
        {
            meter.Set(e.Measure, e.EventTimeMs, e.Amount);
            return EventOutcome.Baseline;
        }

        if (e.EventTimeMs <= baseline.Time)
        {
            Incident(e, EventOutcome.LateReading, baseline, 0);
            return EventOutcome.LateReading;
        }

        meter.Set(e.Measure, e.EventTimeMs, e.Amount);
        if (e.Amount < baseline.Reading)
        {
            Incident(e, EventOutcome.Reset, baseline, 0);
            return EventOutcome.Reset;
        }

        long delta = e.Amount - baseline.Reading;
        bool anomaly = e.Measure is Measure.OperatingMs or Measure.IdleMs
            ? delta > e.EventTimeMs - baseline.Time
            : delta > FuelAnomalyMl;
        if (anomaly)
        {
            Incident(e, EventOutcome.Anomaly, baseline, delta);
            return EventOutcome.Anomaly;
        }

        _current = e;
        BucketMath.Spread(delta, baseline.Time, e.EventTimeMs, _addToCurrent);
        return EventOutcome.Applied;
    }

    private void Incident(NormalizedEvent e, EventOutcome kind, (long Time, long Reading) baseline, long heldOut)
    {
        long day = BucketMath.UtcDay(e.EventTimeMs);
        if (!_incidents.TryGetValue(day, out List<string>? records))
        {
            _incidents.Add(day, records = []);
        }

        records.Add(string.Create(CultureInfo.InvariantCulture,
            $"{(int)kind}|{(int)e.Measure}|{e.EventTimeMs}|{baseline.Time}|{baseline.Reading}|{e.Amount}|{heldOut}|{e.Identifier}"));
    }

    private void AddCell(NormalizedEvent e, long bucketStart, long amount)
    {
        if (amount == 0)
        {
            return;
        }

        long day = BucketMath.UtcDay(bucketStart);
        BucketKey? bucket = _lastBucket;
        if (bucket is null || bucket.Day != day || !ReferenceEquals(bucket.Identifier, e.Identifier))
        {
            ref BucketKey? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, (e.Identifier, day), out bool exists);
            if (!exists)
            {
                slot = new BucketKey(_keys.Bucket(_shard, e.Identifier, day), e.Identifier, day);
                _bucketOrder.Add(slot);
            }

            bucket = _lastBucket = slot!;
        }

        string field = Field(e.ProjectCode, e.CostCode, (int)((bucketStart - (day * BucketMath.DayMs)) / BucketMath.BucketMs), e.Measure);
        bucket.Add(field, amount);
    }

    /// <summary>The bucket field <c>slot|measure|project|cost</c>, one string per distinct field in the process (no codes) or the batch.</summary>
    private string Field(string? project, string? cost, int slot, Measure measure)
    {
        string[] fields;
        if (string.IsNullOrEmpty(project) || string.IsNullOrEmpty(cost))
        {
            fields = s_fieldsWithoutCodes;
        }
        else if (!_fieldsByCodes.TryGetValue((project, cost), out fields!))
        {
            fields = new string[BucketMath.BucketsPerDay * FieldsPerSlot];
            _fieldsByCodes.Add((project, cost), fields);
        }

        // Published once (plans of several shards run at the same time): every plan must see the same instance.
        ref string field = ref fields[(slot * FieldsPerSlot) + (int)measure];
        if (Volatile.Read(ref field) is { } known)
        {
            return known;
        }

        string created = StoredRecords.BucketField(slot, measure, project, cost);
        return Interlocked.CompareExchange(ref field, created, null!) ?? created;
    }

    private sealed class DedupeSet(string key)
    {
        public string Key { get; } = key;

        /// <summary>Distinct ids of the batch in this set, asked about in <c>read.lua</c>.</summary>
        public List<long> Candidates { get; } = [];

        /// <summary>Ids found new and marked by this batch.</summary>
        public List<long> Marks { get; } = [];

        public int KnownFrom { get; set; }
    }

    private sealed class BucketKey(string key, string identifier, long day)
    {
        private readonly List<(string Field, long Amount)> _cells = new(4);

        public string Key { get; } = key;

        public string Identifier { get; } = identifier;

        public long Day { get; } = day;

        public bool HasCells => NonZeroCells > 0;

        public int NonZeroCells
        {
            get
            {
                int n = 0;
                foreach ((_, long amount) in _cells)
                {
                    n += amount != 0 ? 1 : 0;
                }

                return n;
            }
        }

        /// <summary>Adds to a cell; fields are the plan's shared strings, so reference equality finds them (a batch touches few cells per key).</summary>
        public void Add(string field, long amount)
        {
            Span<(string Field, long Amount)> cells = CollectionsMarshal.AsSpan(_cells);
            for (int i = 0; i < cells.Length; i++)
            {
                if (ReferenceEquals(cells[i].Field, field))
                {
                    cells[i].Amount = checked(cells[i].Amount + amount);
                    return;
                }
            }

            _cells.Add((field, amount));
        }

        public void AddCells(RedisArgs args)
        {
            foreach ((string field, long amount) in _cells)
            {
                if (amount != 0)
                {
                    args.Add(field).Add(amount);
                }
            }
        }
    }

    private sealed class MeterKey(string key)
    {
        private readonly Dictionary<Measure, (long Time, long Reading)?> _current = [];
        private readonly Dictionary<Measure, string> _read = [];

        public string Key { get; } = key;

        public List<Measure> Measures { get; } = [];

        public bool Dirty => DirtyCount > 0;

        public int DirtyCount { get; private set; }

        private HashSet<Measure> DirtyMeasures { get; } = [];

        public void Want(Measure measure)
        {
            if (!Measures.Contains(measure))
            {
                Measures.Add(measure);
            }
        }

        public void Load(ReadOnlySpan<RedisValue> values)
        {
            _current.Clear();
            _read.Clear();
            DirtyMeasures.Clear();
            DirtyCount = 0;
            for (int i = 0; i < Measures.Count; i++)
            {
                string text = values[i].AsString() ?? string.Empty;
                _read[Measures[i]] = text;
                _current[Measures[i]] = Parse(text);
            }
        }

        public (long Time, long Reading)? Baseline(Measure measure) => _current[measure];

        public void Set(Measure measure, long time, long reading)
        {
            _current[measure] = (time, reading);
            if (DirtyMeasures.Add(measure))
            {
                DirtyCount++;
            }
        }

        /// <summary>Per changed measure: the measure, the value read (empty: none) and the new <c>time:reading</c>.</summary>
        public void AddChanges(RedisArgs args)
        {
            foreach (Measure measure in Measures)
            {
                if (DirtyMeasures.Contains(measure))
                {
                    (long time, long reading) = _current[measure]!.Value;
                    args.Add((int)measure).Add(_read[measure])
                        .Add(string.Create(CultureInfo.InvariantCulture, $"{time}:{reading}"));
                }
            }
        }

        // "timeMs:reading"; anything else counts as no baseline (as the earlier script did).
        private static (long Time, long Reading)? Parse(string text)
        {
            int colon = text.Length > 1 ? text.IndexOf(':', 1) : -1;
            return colon > 0 &&
                long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long time) &&
                long.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long reading)
                ? (time, reading)
                : null;
        }
    }
}

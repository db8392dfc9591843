using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

public sealed partial class FleetScenario
{
    private byte[] Encode(object record, WireFormat format) => format switch
    {
        WireFormat.SingleObject => _encoder.EncodeSingleObject(record),
        WireFormat.Confluent => _encoder.EncodeConfluent(GeneratorSchemaIds.For(record), record),
        WireFormat.UsageV1SingleObject => _encoder.EncodeUsageV1SingleObject((EquipmentUsage)record),
        WireFormat.UsageV1Confluent => _encoder.EncodeUsageV1Confluent(GeneratorSchemaIds.EquipmentUsageV1, (EquipmentUsage)record),
        _ => throw new InvalidOperationException($"Format {format} carries no logical record."),
    };

    /// <summary>A record waiting for its delivery time.</summary>
    private sealed class Pending
    {
        public required GeneratedTopic Topic { get; init; }

        public required string Key { get; init; }

        public object? Record { get; init; }

        public required WireFormat Format { get; init; }

        public byte[]? Value { get; set; }

        public MalformedKind Malformed { get; init; }

        public string? ExpectedRejection { get; init; }

        public bool IsDuplicate { get; init; }

        /// <summary>Valid telemetry delivered in time may be re-sent later.</summary>
        public bool MayDuplicate { get; init; }

        public long DeliveryMs { get; set; }

        public long EventTimeMs { get; init; }

        /// <summary>Held back and delivered after everything else.</summary>
        public bool HeldBack { get; set; }
    }

    /// <summary>Per-machine meter state of one enumeration (true values; readings are rounded copies).</summary>
    private sealed class MeterState(MachinePlan plan)
    {
        public double Operating { get; set; } = plan.InitialOperatingHours;

        public double Idle { get; set; } = plan.InitialIdleHours;

        public double Fuel { get; set; } = plan.InitialFuelLiters;

        public double LastFuelReported { get; set; } = plan.InitialFuelLiters;

        public bool ResetDone { get; set; }

        public bool AnomalyDone { get; set; }
    }

    /// <summary>One enumeration of <see cref="Generate"/>: a delivery-time queue fed day by day.</summary>
    private sealed partial class Run
    {
        private readonly FleetScenario _s;
        private readonly ScenarioOptions _o;
        private readonly PriorityQueue<Pending, (long DeliveryMs, long Seq)> _queue = new();
        private readonly List<(Pending Item, long Seq)> _late = [];
        private readonly MeterState?[] _meters;
        private readonly ScenarioRandom _resend;
        private long _seq;

        public Run(FleetScenario scenario)
        {
            _s = scenario;
            _o = scenario.Options;
            _meters = new MeterState?[scenario._plans.Length];
            _resend = ScenarioRandom.For(_o.Seed, 0xD0B1E);
        }

        public IEnumerable<GeneratedRecord> Records()
        {
            foreach (var item in _s._masterData)
            {
                Enqueue(
                    new Pending { Topic = item.Topic, Key = item.Key, Record = item.Record, Format = item.Format, EventTimeMs = item.DeliveryMs },
                    item.DeliveryMs);
            }

            AddMalformed();
            long lastDelivery = long.MinValue;
            for (var day = 0; day < _o.Days; day++)
            {
                long dayStart = _s.StartMs + (day * DayMs);
                GenerateDay(day, dayStart);

                // Everything generated later happens on a later UTC day, so what is due before then can go out now.
                long limit = dayStart + DayMs;
                while (_queue.TryPeek(out var next, out var due) && due.DeliveryMs < limit)
                {
                    _queue.Dequeue();
                    lastDelivery = next.DeliveryMs;
                    yield return Emit(next, isLate: false);
                }
            }

            while (_queue.TryDequeue(out var next, out _))
            {
                lastDelivery = next.DeliveryMs;
                yield return Emit(next, isLate: false);
            }

            _late.Sort(static (a, b) => a.Item.EventTimeMs != b.Item.EventTimeMs
                ? a.Item.EventTimeMs.CompareTo(b.Item.EventTimeMs)
                : a.Seq.CompareTo(b.Seq));
            foreach (var (item, _) in _late)
            {
                item.DeliveryMs = ++lastDelivery;
                yield return Emit(item, isLate: true);
            }
        }

        /// <summary>
        /// Generates (and encodes) every machine's day in parallel, then queues the records in machine order, so
        /// the result does not depend on scheduling: each machine draws from its own random stream.
        /// </summary>
        private void GenerateDay(int day, long dayStart)
        {
            var plans = _s._plans;
            var perMachine = new List<Pending>[plans.Length];
            try
            {
                Parallel.For(0, plans.Length, i =>
                {
                    var sink = new List<Pending>();
                    GenerateDay(sink, plans[i], day, dayStart);
                    perMachine[i] = sink;
                });
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
            }

            foreach (var sink in perMachine)
            {
                foreach (var pending in sink)
                {
                    if (pending.HeldBack)
                    {
                        _late.Add((pending, _seq++));
                    }
                    else
                    {
                        Enqueue(pending, pending.DeliveryMs);
                    }
                }
            }
        }

        private void Enqueue(Pending pending, long deliveryMs)
        {
            pending.DeliveryMs = deliveryMs;
            _queue.Enqueue(pending, (deliveryMs, _seq++));
        }

        private GeneratedRecord Emit(Pending p, bool isLate)
        {
            byte[] value = p.Value ??= _s.Encode(p.Record!, p.Format);
            if (p.MayDuplicate && !isLate && _resend.Chance(_o.DuplicateShare))
            {
                // Sources re-send after reconnects and replays: mostly within hours, some days later.
                long delay = _resend.Chance(0.1) ? _resend.NextLong(DayMs, 3 * DayMs) : _resend.NextLong(MinuteMs, 6 * HourMs);
                Enqueue(
                    new Pending
                    {
                        Topic = p.Topic,
                        Key = p.Key,
                        Record = p.Record,
                        Format = p.Format,
                        Value = value,
                        IsDuplicate = true,
                        EventTimeMs = p.EventTimeMs,
                    },
                    p.DeliveryMs + delay);
            }

            return new GeneratedRecord
            {
                Topic = p.Topic,
                Key = p.Key,
                Value = value,
                Record = p.Format == WireFormat.Garbage ? null : p.Record,
                Format = p.Format,
                IsDuplicate = p.IsDuplicate,
                ExpectedRejection = p.ExpectedRejection,
                Malformed = p.Malformed,
                IsLate = isLate,
                DeliveryTimeMs = p.DeliveryMs,
            };
        }

        private void AddTelemetry(
            List<Pending> sink,
            MachinePlan plan, TelemetryEvent ev, string key, GeneratedTopic topic, WireFormat format, ScenarioRandom rng, bool isDelta)
        {
            long delivery = ev.EventTimeMs + rng.NextLong(plan.LatencyMinMs, plan.LatencyMaxMs);
            if (isDelta && rng.Chance(_o.OutOfOrderShare))
            {
                // Held in a device buffer past later events of the same machine; harmless for deltas by design.
                delivery += rng.NextLong(65 * MinuteMs, 180 * MinuteMs);
            }

            var pending = new Pending
            {
                Topic = topic,
                Key = key,
                Record = ev,
                Format = format,
                MayDuplicate = true,
                EventTimeMs = ev.EventTimeMs,
            };

            pending.DeliveryMs = delivery;
            pending.HeldBack = rng.Chance(_o.LateShare);

            // Encoded here, on the generating thread, rather than at emission: the codec is thread-safe.
            pending.Value = _s.Encode(ev, format);
            sink.Add(pending);
        }
    }
}

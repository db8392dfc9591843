using System.Buffers.Binary;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

public sealed partial class FleetScenario
{
    private const int MalformedKinds = 13;

    private sealed partial class Run
    {
        /// <summary>Spreads <see cref="ScenarioOptions.MalformedCount"/> bad records over the window, cycling through the kinds.</summary>
        private void AddMalformed()
        {
            for (var k = 0; k < _o.MalformedCount; k++)
            {
                var kind = (MalformedKind)(1 + (k % MalformedKinds));
                var rng = ScenarioRandom.For(_o.Seed, 0xBAD, (ulong)k);
                var plan = _s._plans[rng.Next(0, _s._plans.Length)];
                long delivery = _s.StartMs + HourMs + rng.NextLong(0, (_o.Days * DayMs) - (2 * HourMs));
                long at = (delivery - (2 * MinuteMs)) / MinuteMs * MinuteMs;
                Enqueue(Build(kind, plan, at, rng), delivery);
            }
        }

        private Pending Build(MalformedKind kind, MachinePlan plan, long at, ScenarioRandom rng)
        {
            var m = plan.Machine;
            EquipmentUsage Usage(long eventTime, long? intervalStart, double? hours) => new()
            {
                EventId = rng.NextGuid(),
                Source = m.Source,
                Equipment = m.Identifier,
                EventTimeMs = eventTime,
                IntervalStartMs = intervalStart,
                OperatingHours = hours,
            };
            EquipmentIdle Idle(long eventTime, long? intervalStart, double hours) => new()
            {
                EventId = rng.NextGuid(),
                Source = m.Source,
                Equipment = m.Identifier,
                EventTimeMs = eventTime,
                IntervalStartMs = intervalStart,
                IdleHours = hours,
            };
            FuelEvent Burn(double liters) => new()
            {
                EventId = rng.NextGuid(),
                Source = m.Source,
                Equipment = m.Identifier,
                EventTimeMs = at,
                Kind = FuelKind.Burn,
                Quantity = liters,
                Unit = FuelUnit.Liter,
            };
            Pending Invalid(GeneratedTopic topic, TelemetryEvent record, string reason) => new()
            {
                Topic = topic,
                Key = plan.Key,
                Record = record,
                Format = WireFormat.SingleObject,
                Malformed = kind,
                ExpectedRejection = reason,
                EventTimeMs = record.EventTimeMs,
            };
            Pending Garbage(GeneratedTopic topic, byte[] bytes, string reason) => new()
            {
                Topic = topic,
                Key = plan.Key,
                Format = WireFormat.Garbage,
                Value = bytes,
                Malformed = kind,
                ExpectedRejection = reason,
                EventTimeMs = at,
            };

            switch (kind)
            {
                case MalformedKind.RandomBytes:
                {
                    var bytes = new byte[rng.Next(20, 81)];
                    for (var i = 0; i < bytes.Length; i++)
                    {
                        bytes[i] = (byte)rng.Next(0, 256);
                    }

                    // Neither framing's magic byte, so no decoder can take it for a known format.
                    bytes[0] = (byte)rng.Next(0x20, 0x7F);
                    return Garbage(GeneratedTopic.Usage, bytes, RejectionReasons.Undecodable);
                }

                case MalformedKind.WrongMagic:
                {
                    var bytes = _s._encoder.EncodeSingleObject(Idle(at, at - HourMs, 0.25));
                    bytes[1] = 0x02;
                    return Garbage(GeneratedTopic.Idle, bytes, RejectionReasons.Undecodable);
                }

                case MalformedKind.UnknownFingerprint:
                {
                    var bytes = _s._encoder.EncodeSingleObject(Burn(40));
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(2, 8), rng.NextULong());
                    return Garbage(GeneratedTopic.Fuel, bytes, RejectionReasons.UnknownSchema);
                }

                case MalformedKind.UnknownSchemaId:
                {
                    var bytes = _s._encoder.EncodeConfluent(GeneratorSchemaIds.EquipmentUsage, Usage(at, at - HourMs, 0.5));
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1, 4), GeneratorSchemaIds.Unknown);
                    return Garbage(GeneratedTopic.Usage, bytes, RejectionReasons.UnknownSchema);
                }

                case MalformedKind.TruncatedAvro:
                {
                    // The header and the first bytes of eventId: the string's length runs past the end.
                    var bytes = _s._encoder.EncodeSingleObject(Usage(at, at - HourMs, 0.5));
                    return Garbage(GeneratedTopic.Usage, bytes[..13], RejectionReasons.Undecodable);
                }

                case MalformedKind.NegativeHours:
                    return Invalid(GeneratedTopic.Usage, Usage(at, at - HourMs, -1.5), RejectionReasons.NegativeDelta);

                case MalformedKind.ZeroQuantity:
                    return Invalid(GeneratedTopic.Fuel, Burn(0), RejectionReasons.NonPositiveQuantity);

                case MalformedKind.AbsurdQuantity:
                    return Invalid(GeneratedTopic.Fuel, Burn(1e9), RejectionReasons.AbsurdQuantity);

                case MalformedKind.FarFutureEventTime:
                {
                    long future = (_s.NowMs + (10 * DayMs)) / MinuteMs * MinuteMs;
                    return Invalid(GeneratedTopic.Idle, Idle(future, future - HourMs, 0.5), RejectionReasons.FutureEventTime);
                }

                case MalformedKind.BeyondRetention:
                {
                    long old = _s.EndMs - (45 * DayMs);
                    return Invalid(GeneratedTopic.Usage, Usage(old, old - HourMs, 0.5), RejectionReasons.BeyondRetention);
                }

                case MalformedKind.MissingMeasure:
                    return Invalid(GeneratedTopic.Usage, Usage(at, at - HourMs, null), RejectionReasons.MissingMeasure);

                case MalformedKind.DeltaExceedsInterval:
                    return Invalid(GeneratedTopic.Usage, Usage(at, at - HourMs, 2.0), RejectionReasons.DeltaExceedsInterval);

                default:
                    return Invalid(GeneratedTopic.Idle, Idle(at, at + (15 * MinuteMs), 0.5), RejectionReasons.InvalidInterval);
            }
        }
    }
}

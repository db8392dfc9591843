using System.Globalization;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

public sealed partial class FleetScenario
{
    private const double LitersPerUsGallon = 3.785411784;

    private sealed partial class Run
    {
        private void GenerateDay(List<Pending> sink, MachinePlan plan, int day, long dayStart)
        {
            var rng = ScenarioRandom.For(_o.Seed, 0xDA7, ((ulong)plan.Index * 64) + (ulong)day);

            // 1970-01-01 was a Thursday.
            var weekday = (DayOfWeek)(int)(((dayStart / DayMs) + 4) % 7);
            if (weekday == DayOfWeek.Sunday)
            {
                return;
            }

            double shiftHours = rng.NextDouble(8, 10);
            if (weekday == DayOfWeek.Saturday)
            {
                if (!rng.Chance(0.4))
                {
                    return;
                }

                shiftHours = rng.NextDouble(4, 5.5);
            }

            // Shifts start around 06:00 local time; every offset used is at or behind UTC, so the whole day stays on this UTC day or after.
            long shiftStart = dayStart + ((6 - plan.Project.UtcOffsetHours) * HourMs) + ((plan.ShiftStartMinute + rng.Next(-10, 11)) * MinuteMs);
            long shiftEnd = Math.Min(shiftStart + ((long)Math.Round(shiftHours * 60) * MinuteMs), _s.EndMs - MinuteMs);
            if (shiftEnd - shiftStart < 30 * MinuteMs)
            {
                return;
            }

            // The fuel truck comes round before most shifts and tops up about a day's burn.
            if (rng.Chance(0.9))
            {
                AddFill(sink, plan, day, shiftStart - (rng.Next(20, 51) * MinuteMs), rng);
            }

            switch (plan.Machine.Mode)
            {
                case ReportingMode.Meters:
                    AddMeterReadings(sink, plan, day, shiftStart, shiftEnd, rng);
                    break;
                case ReportingMode.FieldApp:
                    AddFieldAppSegments(sink, plan, shiftStart, shiftEnd, rng);
                    break;
                default:
                    AddHourlyDeltas(sink, plan, shiftStart, shiftEnd, rng);
                    break;
            }
        }

        private void AddHourlyDeltas(List<Pending> sink, MachinePlan plan, long shiftStart, long shiftEnd, ScenarioRandom rng)
        {
            var m = plan.Machine;
            bool withInterval = m.Mode == ReportingMode.HourlyDeltas;
            var format = m.Source == "jdlink" ? WireFormat.Confluent : WireFormat.SingleObject;
            bool drives = m.Kind is MachineKind.WheelLoader or MachineKind.Dozer;
            long a = shiftStart;
            for (var slot = 0; a < shiftEnd; slot++)
            {
                long b = Math.Min(a + HourMs, shiftEnd);
                if (shiftEnd - b < 10 * MinuteMs)
                {
                    b = shiftEnd;
                }

                double hours = (b - a) / (double)HourMs;
                double u = Math.Clamp(plan.Utilization + rng.NextDouble(-0.2, 0.1), 0, 0.95);
                if (slot == 4)
                {
                    u *= 0.4;
                }

                double operating = Math.Round(u * hours, 4);
                double idle = Math.Round(operating * Math.Clamp(plan.IdleFraction + rng.NextDouble(-0.05, 0.05), 0.02, 0.6), 4);
                string site = plan.SiteId;
                AddTelemetry(
                    sink,
                    plan,
                    new EquipmentUsage
                    {
                        EventId = EventId(plan, rng, b, 'u'),
                        Source = m.Source,
                        Equipment = m.Identifier,
                        EventTimeMs = b,
                        SiteId = site,
                        IntervalStartMs = withInterval ? a : null,
                        OperatingHours = operating,
                        DistanceKm = drives ? Math.Round(operating * rng.NextDouble(3, 8), 1) : null,
                    },
                    plan.Key,
                    GeneratedTopic.Usage,
                    format,
                    rng,
                    isDelta: true);
                AddTelemetry(
                    sink,
                    plan,
                    new EquipmentIdle
                    {
                        EventId = EventId(plan, rng, b, 'i'),
                        Source = m.Source,
                        Equipment = m.Identifier,
                        EventTimeMs = b,
                        SiteId = site,
                        IntervalStartMs = withInterval ? a : null,
                        IdleHours = idle,
                    },
                    plan.Key,
                    GeneratedTopic.Idle,
                    format,
                    rng,
                    isDelta: true);

                double liters = ((operating - idle) * plan.WorkBurnLitersPerHour) + (idle * plan.IdleBurnLitersPerHour);
                double quantity = m.FuelUnit == FuelUnit.UsGallon ? Math.Round(liters / LitersPerUsGallon, 2) : Math.Round(liters, 2);
                if (quantity > 0)
                {
                    AddTelemetry(
                    sink,
                        plan,
                        new FuelEvent
                        {
                            EventId = EventId(plan, rng, b, 'f'),
                            Source = m.Source,
                            Equipment = m.Identifier,
                            EventTimeMs = b,
                            SiteId = site,
                            Kind = FuelKind.Burn,
                            Quantity = quantity,
                            Unit = m.FuelUnit,
                        },
                        plan.Key,
                        GeneratedTopic.Fuel,
                        format,
                        rng,
                        isDelta: true);
                }

                a = b;
            }
        }

        private void AddMeterReadings(List<Pending> sink, MachinePlan plan, int day, long shiftStart, long shiftEnd, ScenarioRandom rng)
        {
            var st = _meters[plan.Index] ??= new MeterState(plan);
            bool rental = plan.Machine.Source == "rentalfleet";
            ReadMeters(sink, plan, st, shiftStart, fuelBurned: 0, fuelReset: false, rental, rng);
            long t = shiftStart;
            for (var reading = 1; t < shiftEnd; reading++)
            {
                long next = t + (rng.Next(15, 61) * MinuteMs);
                if (shiftEnd - next < 15 * MinuteMs)
                {
                    // Never a reading closer than 15 minutes to the previous one: at ≤ 95 % utilization the
                    // 0.01 h rounding of readings then cannot make a delta exceed its elapsed time.
                    next = shiftEnd;
                }

                double hours = (next - t) / (double)HourMs;
                double operating = Math.Clamp(plan.Utilization + rng.NextDouble(-0.2, 0.1), 0.05, 0.95) * hours;
                double idle = operating * Math.Clamp(plan.IdleFraction + rng.NextDouble(-0.05, 0.05), 0.02, 0.6);
                double fuel = ((operating - idle) * plan.WorkBurnLitersPerHour) + (idle * plan.IdleBurnLitersPerHour);
                st.Operating += operating;
                st.Idle += idle;
                st.Fuel += fuel;
                bool fuelReset = false;
                if (day >= _o.Days / 2 && reading >= 2)
                {
                    if (plan.ResetMeter is { } meter && !st.ResetDone)
                    {
                        // A replaced controller starts its meter from zero.
                        st.ResetDone = true;
                        if (meter == Measure.OperatingMs)
                        {
                            st.Operating = operating;
                        }
                        else
                        {
                            st.Fuel = fuel;
                            fuelReset = true;
                        }
                    }

                    if (plan.Anomaly && !st.AnomalyDone)
                    {
                        st.AnomalyDone = true;
                        st.Operating += 1000;
                    }
                }

                ReadMeters(sink, plan, st, next, fuel, fuelReset, rental, rng);
                t = next;
            }
        }

        private void ReadMeters(List<Pending> sink, MachinePlan plan, MeterState st, long at, double fuelBurned, bool fuelReset, bool rental, ScenarioRandom rng)
        {
            var m = plan.Machine;
            var format = rental ? WireFormat.Confluent : WireFormat.SingleObject;
            AddTelemetry(
                    sink,
                plan,
                new EquipmentUsage
                {
                    EventId = rng.NextGuid(),
                    Source = m.Source,
                    Equipment = m.Identifier,
                    EventTimeMs = at,
                    SiteId = plan.SiteId,
                    CumulativeOperatingHours = Math.Round(st.Operating, 2),
                },
                plan.Key,
                GeneratedTopic.Usage,
                rental ? WireFormat.UsageV1Confluent : WireFormat.SingleObject,
                rng,
                isDelta: false);
            AddTelemetry(
                    sink,
                plan,
                new EquipmentIdle
                {
                    EventId = rng.NextGuid(),
                    Source = m.Source,
                    Equipment = m.Identifier,
                    EventTimeMs = at,
                    SiteId = plan.SiteId,
                    CumulativeIdleHours = Math.Round(st.Idle, 2),
                },
                plan.Key,
                GeneratedTopic.Idle,
                format,
                rng,
                isDelta: false);

            if (fuelBurned <= 0)
            {
                return;
            }

            // The fuel meter rides on BURN events whose quantity (validated, not allocated) is the burn since the last report.
            double reported = Math.Round(st.Fuel, 1);
            double quantity = Math.Round(fuelReset || reported < st.LastFuelReported ? reported : reported - st.LastFuelReported, 1);
            if (quantity < 0.1)
            {
                return;
            }

            st.LastFuelReported = reported;
            AddTelemetry(
                    sink,
                plan,
                new FuelEvent
                {
                    EventId = rng.NextGuid(),
                    Source = m.Source,
                    Equipment = m.Identifier,
                    EventTimeMs = at,
                    SiteId = plan.SiteId,
                    Kind = FuelKind.Burn,
                    Quantity = quantity,
                    Unit = FuelUnit.Liter,
                    CumulativeFuelUsedLiters = reported,
                },
                plan.Key,
                GeneratedTopic.Fuel,
                format,
                rng,
                isDelta: false);
        }

        private void AddFieldAppSegments(List<Pending> sink, MachinePlan plan, long shiftStart, long shiftEnd, ScenarioRandom rng)
        {
            var m = plan.Machine;
            string project = m.ProjectCode ?? plan.Project.Code;
            int segments = rng.Next(2, 4);
            long length = (shiftEnd - shiftStart) / segments / MinuteMs * MinuteMs;
            double liters = 0;
            string? costCode = null;
            for (var s = 0; s < segments; s++)
            {
                long a = shiftStart + (s * length);
                long b = s == segments - 1 ? shiftEnd : a + length;
                double hours = (b - a) / (double)HourMs;

                // Operators book quarter hours.
                double operating = Math.Floor(Math.Clamp(plan.Utilization + rng.NextDouble(-0.15, 0.1), 0, 0.95) * hours * 4) / 4;
                double idle = Math.Floor(operating * plan.IdleFraction * 4) / 4;
                costCode = rng.Chance(0.3) ? m.AlternateCostCode : m.CostCode;

                // Now and then a booking misses its cost code; the project alone does not attribute it.
                string? bookedCost = rng.Chance(0.05) ? null : costCode;
                liters += ((operating - idle) * plan.WorkBurnLitersPerHour) + (idle * plan.IdleBurnLitersPerHour);
                AddTelemetry(
                    sink,
                    plan,
                    new EquipmentUsage
                    {
                        EventId = "fa-" + rng.NextGuid(),
                        Source = m.Source,
                        Equipment = m.Identifier,
                        EventTimeMs = b,
                        SiteId = plan.SiteId,
                        ProjectCode = project,
                        CostCode = bookedCost,
                        IntervalStartMs = a,
                        OperatingHours = operating,
                    },
                    plan.Key,
                    GeneratedTopic.Usage,
                    WireFormat.UsageV1SingleObject,
                    rng,
                    isDelta: true);
                AddTelemetry(
                    sink,
                    plan,
                    new EquipmentIdle
                    {
                        EventId = "fa-" + rng.NextGuid(),
                        Source = m.Source,
                        Equipment = m.Identifier,
                        EventTimeMs = b,
                        SiteId = plan.SiteId,
                        ProjectCode = project,
                        CostCode = bookedCost,
                        IntervalStartMs = a,
                        IdleHours = idle,
                    },
                    plan.Key,
                    GeneratedTopic.Idle,
                    WireFormat.SingleObject,
                    rng,
                    isDelta: true);
            }

            double quantity = Math.Round(liters, 1);
            if (quantity > 0)
            {
                AddTelemetry(
                    sink,
                    plan,
                    new FuelEvent
                    {
                        EventId = "fa-" + rng.NextGuid(),
                        Source = m.Source,
                        Equipment = m.Identifier,
                        EventTimeMs = shiftEnd,
                        SiteId = plan.SiteId,
                        ProjectCode = project,
                        CostCode = costCode,
                        Kind = FuelKind.Burn,
                        Quantity = quantity,
                        Unit = FuelUnit.Liter,
                    },
                    plan.Key,
                    GeneratedTopic.Fuel,
                    WireFormat.SingleObject,
                    rng,
                    isDelta: true);
            }
        }

        private void AddFill(List<Pending> sink, MachinePlan plan, int day, long at, ScenarioRandom rng)
        {
            var m = plan.Machine;
            double dailyBurn = 9 * plan.Utilization * (((1 - plan.IdleFraction) * plan.WorkBurnLitersPerHour) + (plan.IdleFraction * plan.IdleBurnLitersPerHour));
            double liters = dailyBurn * rng.NextDouble(0.7, 1.2);
            bool gallons = m.FuelUnit == FuelUnit.UsGallon;
            double quantity = gallons ? Math.Round(liters / LitersPerUsGallon, 2) : Math.Round(liters, 1);
            decimal litersBilled = (decimal)quantity * (gallons ? 3.785411784m : 1m);
            AddTelemetry(
                    sink,
                plan,
                new FuelEvent
                {
                    EventId = "FC" + (plan.Index + 1).ToString("D6", CultureInfo.InvariantCulture) + "-" + day.ToString("D3", CultureInfo.InvariantCulture),
                    Source = "fuelcard",
                    Equipment = plan.CanonicalRef,
                    EventTimeMs = at,
                    SiteId = plan.SiteId,
                    Kind = FuelKind.Fill,
                    Quantity = quantity,
                    Unit = m.FuelUnit,
                    TotalCost = decimal.Round(litersBilled * plan.FuelPricePerLiter, 2, MidpointRounding.AwayFromZero),
                    Currency = plan.Project.Currency,
                },
                plan.CanonicalKey,
                GeneratedTopic.Fuel,
                WireFormat.Confluent,
                rng,
                isDelta: true);
        }

        private static string EventId(MachinePlan plan, ScenarioRandom rng, long eventTimeMs, char type) =>
            plan.Machine.Source == "jdlink"
                ? string.Create(CultureInfo.InvariantCulture, $"{plan.Machine.Identifier.Value}-{eventTimeMs / MinuteMs}-{type}")
                : rng.NextGuid();
    }
}

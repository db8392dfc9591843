using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;

namespace TelemetryPipeline.Ingest.Tests.Generator;

public sealed class ExpectedTotalsTests
{
    // 2026-11-20T10:00:00Z, bucket-aligned.
    private static readonly long s_t0 = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long s_now = s_t0 + (24 * 3_600_000L);
    private const long Min = 60_000;
    private const string Serial = "serial:CAT0336ABC00001";

    private static long At(int minutes) => s_t0 + (minutes * Min);

    private static ExpectedBucketKey Key(int bucketMinutes, Measure measure, string id = Serial, string project = "", string cost = "") =>
        new(id, At(bucketMinutes), measure, project, cost);

    private static int s_ids;

    private static EquipmentUsage Usage(int minutes, double? hours = null, double? cumulative = null, int? startMinutes = null, string? eventId = null) => new()
    {
        EventId = eventId ?? "u" + Interlocked.Increment(ref s_ids),
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "CAT0336ABC00001"),
        EventTimeMs = At(minutes),
        IntervalStartMs = startMinutes is { } s ? At(s) : null,
        OperatingHours = hours,
        CumulativeOperatingHours = cumulative,
    };

    private static EquipmentIdle Idle(int minutes, double? hours = null, double? cumulative = null, int? startMinutes = null) => new()
    {
        EventId = "i" + Interlocked.Increment(ref s_ids),
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "CAT0336ABC00001"),
        EventTimeMs = At(minutes),
        IntervalStartMs = startMinutes is { } s ? At(s) : null,
        IdleHours = hours,
        CumulativeIdleHours = cumulative,
    };

    private static FuelEvent Fuel(int minutes, double quantity, FuelKind kind = FuelKind.Burn, FuelUnit unit = FuelUnit.Liter, double? cumulative = null) => new()
    {
        EventId = "f" + Interlocked.Increment(ref s_ids),
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "CAT0336ABC00001"),
        EventTimeMs = At(minutes),
        Kind = kind,
        Quantity = quantity,
        Unit = unit,
        CumulativeFuelUsedLiters = cumulative,
    };

    private static ExpectedTotals Run(params object[] records)
    {
        var totals = new ExpectedTotals(s_now);
        foreach (var r in records)
        {
            totals.Apply(r);
        }

        return totals;
    }

    [Fact]
    public void Apply_FuelMeterDeltaOverThreeBuckets_FloorsAndGivesRemainderToLast()
    {
        // 1001 ml over [10:10, 10:40): 5, 15 and 10 minutes of 30.
        var totals = Run(Fuel(10, 5, cumulative: 100.0), Fuel(40, 1, cumulative: 101.001));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.FuelBurnMl)] = 166, // floor(1001 × 5/30 = 166.83)
            [Key(15, Measure.FuelBurnMl)] = 500, // floor(1001 × 15/30 = 500.5)
            [Key(30, Measure.FuelBurnMl)] = 335, // 1001 − 666
        });
    }

    [Fact]
    public void Apply_DeltaWithIntervalStart_SpreadsInProportion()
    {
        var totals = Run(Usage(40, hours: 0.25, startMinutes: 10));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs)] = 150_000,
            [Key(15, Measure.OperatingMs)] = 450_000,
            [Key(30, Measure.OperatingMs)] = 300_000,
        });
    }

    [Fact]
    public void Apply_DeltaWithoutIntervalStart_CoversTheHoursBeforeEventTime()
    {
        // 0.5 h ending 10:20 covers [09:50, 10:20).
        var totals = Run(Idle(20, hours: 0.5));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(-15, Measure.IdleMs)] = 600_000,
            [Key(0, Measure.IdleMs)] = 900_000,
            [Key(15, Measure.IdleMs)] = 300_000,
        });
    }

    [Fact]
    public void Apply_BurnInUsGallons_ConvertsAndLandsInEventTimeBucket()
    {
        var totals = Run(Fuel(7, 2.5, unit: FuelUnit.UsGallon), Fuel(50, 10, unit: FuelUnit.UsGallon));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.FuelBurnMl)] = 9464, // round(9463.52946)
            [Key(45, Measure.FuelBurnMl)] = 37_854, // round(37854.11784)
        });
    }

    [Fact]
    public void Apply_FillWithMeterField_LandsWholeAsFillAndIgnoresMeter()
    {
        var totals = Run(Fuel(5, 120.5, FuelKind.Fill, cumulative: 999), Fuel(20, 1, FuelKind.Fill, cumulative: 1));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.FuelFillMl)] = 120_500,
            [Key(15, Measure.FuelFillMl)] = 1000,
        });
        totals.Incidents.Should().BeEmpty();
    }

    [Fact]
    public void Apply_MeterReset_RecordsIncidentAndRebaselines()
    {
        var totals = Run(
            Usage(0, cumulative: 100.00),
            Usage(45, cumulative: 100.50),
            Usage(90, cumulative: 2.00),
            Usage(120, cumulative: 2.25));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs)] = 600_000,
            [Key(15, Measure.OperatingMs)] = 600_000,
            [Key(30, Measure.OperatingMs)] = 600_000,
            [Key(90, Measure.OperatingMs)] = 450_000,
            [Key(105, Measure.OperatingMs)] = 450_000,
        });
        totals.Incidents.Should().ContainSingle().Which.Should().Be(
            new MeterIncident(Serial, Measure.OperatingMs, EventOutcome.Reset, At(90), At(45), 361_800_000, 7_200_000, 0));
    }

    [Fact]
    public void Apply_TimeMeterDeltaAboveElapsed_IsAnomalyHeldOut()
    {
        var totals = Run(Usage(0, cumulative: 100), Usage(30, cumulative: 1100), Usage(45, cumulative: 1100.25));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long> { [Key(30, Measure.OperatingMs)] = 900_000 });
        totals.Incidents.Should().ContainSingle().Which.Kind.Should().Be(EventOutcome.Anomaly);
    }

    [Fact]
    public void Apply_FuelMeterDeltaAbove2000Liters_IsAnomaly()
    {
        var totals = Run(Fuel(0, 1, cumulative: 100), Fuel(60, 1, cumulative: 2100.5), Fuel(75, 1, cumulative: 2100.6));

        totals.Incidents.Should().ContainSingle().Which.Kind.Should().Be(EventOutcome.Anomaly);
        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long> { [Key(60, Measure.FuelBurnMl)] = 100 });
    }

    [Fact]
    public void Apply_FuelMeterDeltaOfExactly2000Liters_IsApplied()
    {
        var totals = Run(Fuel(0, 1, cumulative: 100), Fuel(15, 1, cumulative: 2100));

        totals.Incidents.Should().BeEmpty();
        totals.Total(Measure.FuelBurnMl).Should().Be(2_000_000);
    }

    [Fact]
    public void Apply_ReadingNotAfterLatest_IsLateReadingNotApplied()
    {
        var totals = Run(
            Usage(0, cumulative: 100),
            Usage(60, cumulative: 100.5),
            Usage(30, cumulative: 100.25),
            Usage(60, cumulative: 100.75),
            Usage(90, cumulative: 101));

        totals.Incidents.Select(i => i.Kind).Should().Equal(EventOutcome.LateReading, EventOutcome.LateReading);
        totals.Incidents.Should().OnlyContain(i => i.PreviousTimeMs == At(60) && i.PreviousReading == 361_800_000);
        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs)] = 450_000,
            [Key(15, Measure.OperatingMs)] = 450_000,
            [Key(30, Measure.OperatingMs)] = 450_000,
            [Key(45, Measure.OperatingMs)] = 450_000,
            [Key(60, Measure.OperatingMs)] = 900_000,
            [Key(75, Measure.OperatingMs)] = 900_000,
        });
        totals.Applied.Should().Be(5);
    }

    [Fact]
    public void Apply_DuplicateEvent_CountsOnceAndDoesNotMoveTheMeter()
    {
        var first = Usage(0, cumulative: 100);
        var second = Usage(30, cumulative: 100.5);
        var totals = Run(first, second, Usage(60, hours: 0.5, startMinutes: 30, eventId: "d1"), Usage(60, hours: 0.5, startMinutes: 30, eventId: "d1"), second);

        totals.Duplicates.Should().Be(2);
        totals.Applied.Should().Be(3);
        totals.Apply(second).Should().Be(new ExpectedOutcome(ExpectedOutcomeKind.Duplicate, Store: EventOutcome.Duplicate));
        totals.Total(Measure.OperatingMs).Should().Be(3_600_000);
        totals.Incidents.Should().BeEmpty();
    }

    [Fact]
    public void Apply_SameEventIdOfAnotherTypeOrSource_IsNotDuplicate()
    {
        var usage = Usage(60, hours: 0.5, startMinutes: 30, eventId: "same");
        var idle = new EquipmentIdle
        {
            EventId = "same", Source = usage.Source, Equipment = usage.Equipment, EventTimeMs = usage.EventTimeMs, IdleHours = 0.1,
        };
        var otherSource = usage with { Source = "jdlink" };

        var totals = Run(usage, idle, otherSource);

        totals.Duplicates.Should().Be(0);
        totals.Applied.Should().Be(3);
    }

    [Theory]
    [InlineData("missing", RejectionReasons.MissingMeasure)]
    [InlineData("negative", RejectionReasons.NegativeDelta)]
    [InlineData("exceeds", RejectionReasons.DeltaExceedsInterval)]
    [InlineData("interval", RejectionReasons.InvalidInterval)]
    [InlineData("zero", RejectionReasons.NonPositiveQuantity)]
    [InlineData("absurd", RejectionReasons.AbsurdQuantity)]
    [InlineData("absurdGallons", RejectionReasons.AbsurdQuantity)]
    [InlineData("future", RejectionReasons.FutureEventTime)]
    [InlineData("old", RejectionReasons.BeyondRetention)]
    [InlineData("scheme", RejectionReasons.InvalidIdentifier)]
    [InlineData("nan", RejectionReasons.InvalidNumber)]
    [InlineData("meterQuantityZero", RejectionReasons.NonPositiveQuantity)]
    public void Apply_InvalidRecord_IsRejectedWithReason(string fault, string reason)
    {
        object record = fault switch
        {
            "missing" => Usage(60),
            "negative" => Usage(60, hours: -1.5, startMinutes: 0),
            "exceeds" => Usage(60, hours: 1.0001, startMinutes: 0),
            "interval" => Idle(60, hours: 0.5, startMinutes: 60),
            "zero" => Fuel(10, 0),
            "absurd" => Fuel(10, 2000.001),
            "absurdGallons" => Fuel(10, 529, unit: FuelUnit.UsGallon),
            "future" => Usage(0, hours: 0.5) with { EventTimeMs = s_now + (5 * Min) + 1 },
            "old" => Usage(0, hours: 0.5) with { EventTimeMs = s_now - (30 * 24 * 60 * Min) - 1 },
            "scheme" => Usage(60, hours: 0.5) with { Equipment = new EquipmentRef("vin", "X") },
            "nan" => Usage(60, hours: double.NaN),
            _ => Fuel(10, 0, cumulative: 100),
        };

        var totals = new ExpectedTotals(s_now);
        totals.Apply(record).Should().Be(new ExpectedOutcome(ExpectedOutcomeKind.Rejected, reason));
        totals.Rejections.Should().BeEquivalentTo(new Dictionary<string, int> { [reason] = 1 });
        totals.Buckets.Should().BeEmpty();
    }

    [Fact]
    public void Apply_EdgesOfTheTimeWindowAndLimits_AreAccepted()
    {
        var totals = Run(
            Usage(0, hours: 0.5) with { EventTimeMs = s_now + (5 * Min) },
            Usage(0, hours: 0.5) with { EventTimeMs = s_now - (30 * 24 * 60 * Min) },
            Usage(60, hours: 1.0, startMinutes: 0),
            Fuel(10, 2000));

        totals.RejectedCount.Should().Be(0);
        totals.Applied.Should().Be(4);
    }

    [Fact]
    public void Apply_RejectedRecord_DoesNotMarkItsEventId()
    {
        var bad = Usage(60, hours: -1, startMinutes: 0, eventId: "x");
        var good = Usage(60, hours: 0.5, startMinutes: 0, eventId: "x");

        var totals = Run(bad, good);

        totals.Duplicates.Should().Be(0);
        totals.Total(Measure.OperatingMs).Should().Be(1_800_000);
    }

    [Fact]
    public void Apply_BothDeltaAndCumulative_IsMeterReadingAndDeltaIgnored()
    {
        // The second record's delta is invalid (negative) but ignored: the reading counts.
        var totals = Run(Usage(0, hours: 0.5, cumulative: 10), Usage(30, hours: -3, cumulative: 10.25));

        totals.RejectedCount.Should().Be(0);
        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs)] = 450_000,
            [Key(15, Measure.OperatingMs)] = 450_000,
        });
    }

    [Fact]
    public void Apply_ExplicitCodes_CountOnlyAsAPair()
    {
        var both = Usage(15, hours: 0.25, startMinutes: 0) with { ProjectCode = "PRJ-1001", CostCode = "03-200" };
        var projectOnly = Usage(30, hours: 0.25, startMinutes: 15) with { ProjectCode = "PRJ-1001" };

        var totals = Run(both, projectOnly);

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs, project: "PRJ-1001", cost: "03-200")] = 900_000,
            [Key(15, Measure.OperatingMs)] = 900_000,
        });
    }

    [Fact]
    public void Apply_MetersOfDifferentIdentifiersAndMeasures_AreIndependent()
    {
        var other = new EquipmentRef("telematics", "JDL-700001");
        var totals = Run(
            Usage(0, cumulative: 100),
            Usage(0, cumulative: 5) with { Equipment = other },
            Idle(0, cumulative: 50),
            Usage(15, cumulative: 100.25),
            Usage(15, cumulative: 5.1) with { Equipment = other },
            Idle(15, cumulative: 50.05));

        totals.Buckets.Should().BeEquivalentTo(new Dictionary<ExpectedBucketKey, long>
        {
            [Key(0, Measure.OperatingMs)] = 900_000,
            [Key(0, Measure.IdleMs)] = 180_000,
            [Key(0, Measure.OperatingMs, id: other.Key)] = 360_000,
        });
    }

    [Fact]
    public void Apply_UndecodableGeneratedRecord_IsRejectedWithItsLabel()
    {
        var totals = new ExpectedTotals(s_now);
        var record = new GeneratedRecord
        {
            Topic = GeneratedTopic.Fuel,
            Key = Serial,
            Value = [1, 2, 3],
            Record = null,
            Format = WireFormat.Garbage,
            ExpectedRejection = RejectionReasons.UnknownSchema,
        };

        totals.Apply(record).Should().Be(new ExpectedOutcome(ExpectedOutcomeKind.Rejected, RejectionReasons.UnknownSchema));
        totals.Apply(record with { ExpectedRejection = null }).Reason.Should().Be(RejectionReasons.Undecodable);
    }

    [Fact]
    public void Apply_MeterReadings_ReportTheStoreOutcome()
    {
        var totals = new ExpectedTotals(s_now);

        totals.Apply(Usage(0, cumulative: 100)).Store.Should().Be(EventOutcome.Baseline);
        totals.Apply(Usage(30, cumulative: 100.25)).Store.Should().Be(EventOutcome.Applied);
        totals.Apply(Usage(20, cumulative: 100.5)).Store.Should().Be(EventOutcome.LateReading);
        totals.Apply(Usage(45, cumulative: 1)).Store.Should().Be(EventOutcome.Reset);
        totals.Apply(Usage(60, cumulative: 500)).Store.Should().Be(EventOutcome.Anomaly);
        totals.Apply(Usage(60, hours: 0.5)).Store.Should().Be(EventOutcome.Applied);
        totals.Incidents.Single(i => i.Kind == EventOutcome.Anomaly).HeldOutDelta.Should().Be(1_796_400_000);
    }

    [Fact]
    public void Entries_ListsBucketsInStoreShapeWithNullCodes()
    {
        var totals = Run(
            Usage(30, hours: 0.25, startMinutes: 15) with { ProjectCode = "PRJ-1001", CostCode = "03-200" },
            Usage(15, hours: 0.25, startMinutes: 0));

        totals.Entries().Should().Equal(
            new BucketEntry(Serial, At(0), Measure.OperatingMs, null, null, 900_000),
            new BucketEntry(Serial, At(15), Measure.OperatingMs, "PRJ-1001", "03-200", 900_000));
    }
}

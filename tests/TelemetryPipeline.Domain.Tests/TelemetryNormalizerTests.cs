using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Domain.Tests;

public sealed class TelemetryNormalizerTests
{
    private const long Hour = 3_600_000;
    private static readonly long s_now = DateTimeOffset.Parse("2026-11-21T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static EquipmentUsage Usage(double? hours = null, double? cumulative = null, long? intervalStart = null, long? time = null) => new()
    {
        EventId = "e1",
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "CAT0320X"),
        EventTimeMs = time ?? s_now - Hour,
        OperatingHours = hours,
        CumulativeOperatingHours = cumulative,
        IntervalStartMs = intervalStart,
    };

    private static FuelEvent Fuel(double quantity, FuelUnit unit = FuelUnit.Liter, FuelKind kind = FuelKind.Burn, double? cumulative = null) => new()
    {
        EventId = "f1",
        Source = "fuelcard",
        Equipment = new EquipmentRef("canonical", "EX-0042"),
        EventTimeMs = s_now - Hour,
        Kind = kind,
        Quantity = quantity,
        Unit = unit,
        CumulativeFuelUsedLiters = cumulative,
    };

    private static Rejection Rejected(TelemetryEvent e)
    {
        TelemetryNormalizer.TryNormalize(e, s_now, NormalizationRules.Default, out _, out Rejection r).Should().BeFalse();
        r.Detail.Should().NotBeNullOrWhiteSpace();
        return r;
    }

    private static NormalizedEvent Accepted(TelemetryEvent e)
    {
        TelemetryNormalizer.TryNormalize(e, s_now, NormalizationRules.Default, out NormalizedEvent n, out Rejection r).Should().BeTrue(r.ToString());
        return n;
    }

    [Theory]
    [InlineData(1.0, 3_600_000)]
    [InlineData(0.0000001388889, 1)] // 0.50000004 ms rounds up
    [InlineData(0.00000013888875, 1)] // exactly 0.4999995 ms in double? rounds to 0 or 1 by the double product
    [InlineData(2.5 / 3_600_000.0, 3)] // 2.5 ms: half away from zero
    public void HoursToMs_RoundsHalfAwayFromZeroInDouble(double hours, long expected)
    {
        long ms = TelemetryNormalizer.HoursToMs(hours);
        ms.Should().Be((long)Math.Round(hours * 3_600_000.0, MidpointRounding.AwayFromZero));
        if (hours >= 1 || Math.Abs(hours * 3_600_000.0 - 2.5) < 1e-9)
        {
            ms.Should().Be(expected);
        }
    }

    [Fact]
    public void UsGallonsToMl_UsesExactFactor()
    {
        TelemetryNormalizer.UsGallonsToMl(1.0).Should().Be(3785);
        TelemetryNormalizer.UsGallonsToMl(10.0).Should().Be(37854);
        TelemetryNormalizer.LitersToMl(0.0005).Should().Be(1);
    }

    [Fact]
    public void TryNormalize_DeltaWithoutIntervalStart_CoversHoursBeforeEventTime()
    {
        NormalizedEvent n = Accepted(Usage(hours: 0.5));
        n.Kind.Should().Be(ContributionKind.Delta);
        n.Measure.Should().Be(Measure.OperatingMs);
        n.Amount.Should().Be(1_800_000);
        n.IntervalStartMs.Should().Be(s_now - Hour - 1_800_000);
        n.Identifier.Should().Be("serial:CAT0320X");
    }

    [Fact]
    public void TryNormalize_DeltaWithIntervalStart_KeepsInterval()
    {
        NormalizedEvent n = Accepted(Usage(hours: 0.5, intervalStart: s_now - 2 * Hour));
        n.IntervalStartMs.Should().Be(s_now - 2 * Hour);
    }

    [Fact]
    public void TryNormalize_CumulativeAndDelta_MeterReadingWins()
    {
        NormalizedEvent n = Accepted(Usage(hours: 0.5, cumulative: 1234.25));
        n.Kind.Should().Be(ContributionKind.MeterReading);
        n.Amount.Should().Be(1234 * Hour + Hour / 4);
    }

    [Fact]
    public void TryNormalize_BothNull_RejectedMissingMeasure() =>
        Rejected(Usage()).Reason.Should().Be(RejectionReasons.MissingMeasure);

    [Fact]
    public void TryNormalize_NegativeDelta_Rejected() =>
        Rejected(Usage(hours: -0.1)).Reason.Should().Be(RejectionReasons.NegativeDelta);

    [Fact]
    public void TryNormalize_DeltaAboveInterval_Rejected() =>
        Rejected(Usage(hours: 1.01, intervalStart: s_now - 2 * Hour)).Reason.Should().Be(RejectionReasons.DeltaExceedsInterval);

    [Fact]
    public void TryNormalize_IntervalStartAfterEventTime_Rejected() =>
        Rejected(Usage(hours: 0.1, intervalStart: s_now)).Reason.Should().Be(RejectionReasons.InvalidInterval);

    [Fact]
    public void TryNormalize_MoreThanFiveMinutesInFuture_Rejected() =>
        Rejected(Usage(hours: 0.1, time: s_now + 5 * 60_000 + 1)).Reason.Should().Be(RejectionReasons.FutureEventTime);

    [Fact]
    public void TryNormalize_FiveMinutesInFuture_Accepted() => Accepted(Usage(hours: 0.1, time: s_now + 5 * 60_000));

    [Fact]
    public void TryNormalize_OlderThanRetention_Rejected() =>
        Rejected(Usage(hours: 0.1, time: s_now - (30 * 24 * Hour) - 1)).Reason.Should().Be(RejectionReasons.BeyondRetention);

    [Fact]
    public void TryNormalize_FarFutureTimestamp_RejectedWithoutThrowing() =>
        Rejected(Usage(hours: 0.1, time: long.MaxValue)).Reason.Should().Be(RejectionReasons.FutureEventTime);

    [Fact]
    public void TryNormalize_NaNHours_Rejected() =>
        Rejected(Usage(hours: double.NaN)).Reason.Should().Be(RejectionReasons.InvalidNumber);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    public void TryNormalize_NonPositiveFuel_Rejected(double quantity) =>
        Rejected(Fuel(quantity)).Reason.Should().Be(RejectionReasons.NonPositiveQuantity);

    [Fact]
    public void TryNormalize_MoreThan2000Liters_Rejected() =>
        Rejected(Fuel(2000.001)).Reason.Should().Be(RejectionReasons.AbsurdQuantity);

    [Fact]
    public void TryNormalize_GallonsAbove2000Liters_Rejected() =>
        Rejected(Fuel(530, FuelUnit.UsGallon)).Reason.Should().Be(RejectionReasons.AbsurdQuantity);

    [Fact]
    public void TryNormalize_BurnInGallons_PointInMillilitres()
    {
        NormalizedEvent n = Accepted(Fuel(10, FuelUnit.UsGallon));
        n.Kind.Should().Be(ContributionKind.Point);
        n.Measure.Should().Be(Measure.FuelBurnMl);
        n.Amount.Should().Be(37854);
    }

    [Fact]
    public void TryNormalize_Fill_IsFillMeasureNotBurn()
    {
        NormalizedEvent n = Accepted(Fuel(400, kind: FuelKind.Fill, cumulative: 99));
        n.Measure.Should().Be(Measure.FuelFillMl);
        n.Amount.Should().Be(400_000);
    }

    [Fact]
    public void TryNormalize_BurnWithMeter_IsMeterReading()
    {
        NormalizedEvent n = Accepted(Fuel(12, cumulative: 5021.5));
        n.Kind.Should().Be(ContributionKind.MeterReading);
        n.Amount.Should().Be(5_021_500);
    }

    [Fact]
    public void TryNormalize_OnlyProjectCode_CodesIgnored()
    {
        NormalizedEvent n = Accepted(Usage(hours: 0.1) with { ProjectCode = "PRJ-1001" });
        n.ProjectCode.Should().BeNull();
        n.CostCode.Should().BeNull();
    }

    [Fact]
    public void TryNormalize_BothCodes_Kept()
    {
        NormalizedEvent n = Accepted(Usage(hours: 0.1) with { ProjectCode = "PRJ-1001", CostCode = "03-200" });
        (n.ProjectCode, n.CostCode).Should().Be(("PRJ-1001", "03-200"));
    }

    [Fact]
    public void TryNormalize_UnknownScheme_Rejected() =>
        Rejected(Usage(hours: 0.1) with { Equipment = new EquipmentRef("vin", "X") }).Reason.Should().Be(RejectionReasons.InvalidIdentifier);

    [Fact]
    public void DedupeId_DependsOnTypeSourceAndEventId()
    {
        ulong a = DedupeId.Compute(RecordType.Usage, "visionlink", "e1");
        a.Should().Be(DedupeId.Compute(RecordType.Usage, "visionlink", "e1"));
        a.Should().NotBe(DedupeId.Compute(RecordType.Idle, "visionlink", "e1"));
        a.Should().NotBe(DedupeId.Compute(RecordType.Usage, "jdlink", "e1"));
        a.Should().NotBe(DedupeId.Compute(RecordType.Usage, "visionlink", "e2"));
    }
}

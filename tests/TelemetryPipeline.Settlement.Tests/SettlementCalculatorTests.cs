using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

/// <summary>Expected figures are worked out by hand from ALLOCATION-RULES.md, never with the production code.</summary>
public sealed class SettlementCalculatorTests
{
    private static readonly DateTimeOffset s_later = T.At("2026-11-25T12:00Z");

    private static SettlementCalculation Calculate(
        IEnumerable<BucketEntry> entries,
        IEnumerable<EquipmentAssignment>? assignments = null,
        IEnumerable<EquipmentRate>? rates = null,
        IEnumerable<EquipmentAlias>? aliases = null,
        DateTimeOffset? now = null,
        SettlementOptions? options = null)
    {
        options ??= T.Options();
        var snapshot = MasterDataSnapshot.Create(aliases ?? [], assignments ?? [], rates ?? [], options);
        return new SettlementCalculator(options).Calculate([.. entries], snapshot, now ?? s_later);
    }

    private static AllocationLine SingleLine(SettlementCalculation result) =>
        result.Totals.Should().ContainSingle().Subject.Lines.Should().ContainSingle().Subject;

    [Fact]
    public void Calculate_SpreadDeltas_AmountsFromTheirTotals()
    {
        // 2.5 h operating over [08:10, 10:40), 0.75 h idle over [09:00, 09:45), 42.5 L burned at 10:00.
        List<BucketEntry> operating = T.Spread("canonical:EX-1", Measure.OperatingMs, 9_000_000, "2026-11-20T08:10Z", "2026-11-20T10:40Z");
        List<BucketEntry> idle = T.Spread("canonical:EX-1", Measure.IdleMs, 2_700_000, "2026-11-20T09:00Z", "2026-11-20T09:45Z");
        operating.Should().HaveCount(11);

        SettlementCalculation result = Calculate(
            [.. operating, .. idle, T.Burn("canonical:EX-1", "2026-11-20T10:00Z", 42_500)],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", operating: 95.50m, idle: 30m, fuelPrice: 1.25m)]);

        PeriodTotals totals = result.Totals.Should().ContainSingle().Subject;
        totals.Period.Should().Be(T.Day("2026-11-20"));
        totals.ProjectCode.Should().Be("PRJ-1");
        totals.CostCode.Should().Be("03-200");
        totals.Currency.Should().Be("USD");
        AllocationLine line = totals.Lines.Should().ContainSingle().Subject;
        line.EquipmentId.Should().Be("EX-1");
        line.OperatingMs.Should().Be(9_000_000);
        line.IdleMs.Should().Be(2_700_000);
        line.FuelMl.Should().Be(42_500);
        line.OperatingAmount.Should().Be(167.13m); // 1.75 h × 95.50 = 167.125
        line.IdleAmount.Should().Be(22.50m);       // 0.75 h × 30
        line.FuelAmount.Should().Be(53.13m);       // 42.5 L × 1.25 = 53.125
        line.Amount.Should().Be(242.76m);
        line.Rate.Should().Be(new AppliedRate(95.50m, 30m, false, 1.25m, "USD", T.Ms("2026-01-01T00:00Z")));
        result.Exceptions.Should().BeEmpty();
    }

    [Fact]
    public void Calculate_IdleAboveOperating_WorkingTimeFlooredAtZero()
    {
        SettlementCalculation result = Calculate(
            [T.Op("canonical:EX-1", "2026-11-20T08:00Z", 3_600_000), T.Idle("canonical:EX-1", "2026-11-20T08:00Z", 5_400_000)],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", operating: 95.50m, idle: 30m)]);

        AllocationLine line = SingleLine(result);
        line.OperatingMs.Should().Be(3_600_000);
        line.IdleMs.Should().Be(5_400_000);
        line.OperatingAmount.Should().Be(0m);
        line.IdleAmount.Should().Be(45.00m);
        line.Amount.Should().Be(45.00m);
    }

    [Fact]
    public void Calculate_WorkingAtOperatingRate_IdleAtIdleRate()
    {
        SettlementCalculation result = Calculate(
            [T.Op("canonical:EX-1", "2026-11-20T08:00Z", 4 * T.Hour), T.Idle("canonical:EX-1", "2026-11-20T09:00Z", T.Hour)],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", operating: 120m, idle: 40m)]);

        AllocationLine line = SingleLine(result);
        line.OperatingAmount.Should().Be(360.00m); // (4 h − 1 h) × 120
        line.IdleAmount.Should().Be(40.00m);
        line.FuelAmount.Should().Be(0m);
        line.Amount.Should().Be(400.00m);
    }

    [Fact]
    public void Calculate_WetRate_FuelAmountZeroFuelQuantityKept()
    {
        SettlementCalculation result = Calculate(
            [T.Op("canonical:EX-1", "2026-11-20T08:00Z", 2 * T.Hour), T.Burn("canonical:EX-1", "2026-11-20T08:00Z", 100_000)],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", operating: 80m, fuelPrice: 1.50m, fuelIncluded: true)]);

        AllocationLine line = SingleLine(result);
        line.FuelMl.Should().Be(100_000);
        line.FuelAmount.Should().Be(0m);
        line.Amount.Should().Be(160.00m);
    }

    [Fact]
    public void Calculate_HalfCents_RoundAwayFromZero()
    {
        string[] machines = ["EX-1", "EX-2", "EX-3", "EX-4", "EX-5", "EX-6"];
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T08:00Z", 1_800_000),
                T.Op("canonical:EX-2", "2026-11-20T08:00Z", 1_800_000),
                T.Op("canonical:EX-3", "2026-11-20T08:00Z", 1_800_000),
                T.Idle("canonical:EX-3", "2026-11-20T08:00Z", 1_800_000),
                T.Burn("canonical:EX-4", "2026-11-20T08:00Z", 1),
                T.Burn("canonical:EX-5", "2026-11-20T08:00Z", 3),
                T.Op("canonical:EX-6", "2026-11-20T08:00Z", 1_000),
            ],
            assignments: machines.Select(m => T.Assign(m, "PRJ-1", "03-200", "2026-01-01T00:00Z")),
            rates:
            [
                T.Rate("EX-1", operating: 0.25m),
                T.Rate("EX-2", operating: 0.45m),
                T.Rate("EX-3", operating: 9m, idle: 0.25m),
                T.Rate("EX-4", operating: 1m, fuelPrice: 5m),
                T.Rate("EX-5", operating: 1m, fuelPrice: 1.5m),
                T.Rate("EX-6", operating: 100m),
            ]);

        var lines = result.Totals.Should().ContainSingle().Subject.Lines.ToDictionary(l => l.EquipmentId);
        lines["EX-1"].OperatingAmount.Should().Be(0.13m);  // 0.5 h × 0.25 = 0.125 (to even would give 0.12)
        lines["EX-2"].OperatingAmount.Should().Be(0.23m);  // 0.5 h × 0.45 = 0.225 (to even would give 0.22)
        lines["EX-3"].OperatingAmount.Should().Be(0m);     // working 0
        lines["EX-3"].IdleAmount.Should().Be(0.13m);       // 0.5 h × 0.25
        lines["EX-4"].FuelAmount.Should().Be(0.01m);       // 0.001 L × 5 = 0.005
        lines["EX-5"].FuelAmount.Should().Be(0.00m);       // 0.003 L × 1.5 = 0.0045
        lines["EX-6"].OperatingAmount.Should().Be(0.03m);  // 1 s × 100/h = 0.02777…
        result.Totals[0].Amount.Should().Be(0.13m + 0.23m + 0.13m + 0.01m + 0.03m);
    }

    [Fact]
    public void Calculate_RateChangesMidPeriod_RateAtLocalMidnightPricesTheWholeDay()
    {
        // Berlin's 2026-11-20 runs [2026-11-19T23:00Z, 2026-11-20T23:00Z): a rate from UTC midnight starts on the 21st.
        // Chicago's 2026-11-20 starts at 06:00Z: a rate from exactly then prices that day.
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour),
                T.Op("canonical:EX-1", "2026-11-20T12:00Z", T.Hour),
                T.Op("canonical:EX-1", "2026-11-21T10:00Z", T.Hour),
                T.Op("canonical:EX-2", "2026-11-20T05:00Z", T.Hour),
                T.Op("canonical:EX-2", "2026-11-20T15:00Z", T.Hour),
            ],
            assignments:
            [
                T.Assign("EX-1", "PRJ-BER", "03-200", "2026-01-01T00:00Z"),
                T.Assign("EX-2", "PRJ-CHI", "03-200", "2026-01-01T00:00Z"),
            ],
            rates:
            [
                T.Rate("EX-1", 100m, currency: "EUR"),
                T.Rate("EX-1", 200m, currency: "EUR", fromIso: "2026-11-20T00:00Z"),
                T.Rate("EX-2", 100m),
                T.Rate("EX-2", 200m, fromIso: "2026-11-20T06:00Z"),
            ]);

        result.Totals.Select(t => (t.ProjectCode, t.Period, t.Lines.Single().Amount)).Should().BeEquivalentTo(
            new[]
            {
                ("PRJ-CHI", T.Day("2026-11-19"), 100.00m),
                ("PRJ-BER", T.Day("2026-11-20"), 200.00m), // 2 h × 100, though one hour lies after the 200 rate's validFrom
                ("PRJ-CHI", T.Day("2026-11-20"), 200.00m),
                ("PRJ-BER", T.Day("2026-11-21"), 200.00m),
            });
        result.Totals.Single(t => t.ProjectCode == "PRJ-BER" && t.Period == T.Day("2026-11-20")).Lines.Single().Rate.ValidFromMs
            .Should().Be(T.Ms("2026-01-01T00:00Z"));
    }

    [Fact]
    public void Calculate_TwoTimeZones_SameUtcBucketBelongsToDifferentLocalDays()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T02:00Z", 900_000),
                T.Op("canonical:EX-1", "2026-11-20T23:30Z", 600_000),
                T.Op("canonical:EX-2", "2026-11-20T02:00Z", 900_000),
                T.Op("canonical:EX-2", "2026-11-20T23:30Z", 600_000),
            ],
            assignments:
            [
                T.Assign("EX-1", "PRJ-CHI", "03-200", "2026-01-01T00:00Z"),
                T.Assign("EX-2", "PRJ-BER", "03-200", "2026-01-01T00:00Z"),
            ],
            rates: [T.Rate("EX-1", 60m), T.Rate("EX-2", 60m, currency: "EUR")]);

        result.Totals.Select(t => (t.ProjectCode, t.Period, t.Currency, t.Lines.Single().OperatingMs, t.Amount)).Should().Equal(
            ("PRJ-CHI", T.Day("2026-11-19"), "USD", 900_000L, 15.00m),
            ("PRJ-BER", T.Day("2026-11-20"), "EUR", 900_000L, 15.00m),
            ("PRJ-CHI", T.Day("2026-11-20"), "USD", 600_000L, 10.00m),
            ("PRJ-BER", T.Day("2026-11-21"), "EUR", 600_000L, 10.00m));
    }

    [Fact]
    public void Calculate_BeforeLocalEndPlusGrace_PeriodStaysOpen()
    {
        BucketEntry[] entries =
        [
            T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour),
            T.Op("canonical:EX-2", "2026-11-20T10:00Z", T.Hour),
            T.Op("canonical:EX-3", "2026-11-20T10:00Z", T.Hour),
        ];
        EquipmentAssignment[] assignments =
        [
            T.Assign("EX-1", "PRJ-BER", "03-200", "2026-01-01T00:00Z"),
            T.Assign("EX-2", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
            T.Assign("EX-3", "PRJ-CHI", "03-200", "2026-01-01T00:00Z"),
        ];
        EquipmentRate[] rates = [T.Rate("EX-1", 10m, currency: "EUR"), T.Rate("EX-2", 10m), T.Rate("EX-3", 10m)];

        // Cutoffs: Berlin 2026-11-21T01:00Z, UTC 02:00Z, Chicago 08:00Z.
        Calculate(entries, assignments, rates, now: T.At("2026-11-21T00:59:59.999Z")).Totals.Should().BeEmpty();
        SettlementCalculation berlin = Calculate(entries, assignments, rates, now: T.At("2026-11-21T01:00Z"));
        berlin.Totals.Select(t => t.ProjectCode).Should().Equal("PRJ-BER");
        berlin.ClosedPeriods.Should().Equal(new SettlementPeriod("PRJ-BER", T.Day("2026-11-20")));
        berlin.OpenPeriods.Should().Equal(new SettlementPeriod("PRJ-1", T.Day("2026-11-20")), new SettlementPeriod("PRJ-CHI", T.Day("2026-11-20")));
        Calculate(entries, assignments, rates, now: T.At("2026-11-21T02:00Z")).Totals.Select(t => t.ProjectCode).Should().Equal("PRJ-1", "PRJ-BER");
        Calculate(entries, assignments, rates, now: T.At("2026-11-21T07:59Z")).Totals.Should().HaveCount(2);
        Calculate(entries, assignments, rates, now: T.At("2026-11-21T08:00Z")).Totals.Should().HaveCount(3);
    }

    [Fact]
    public void Calculate_GraceIsConfigurable()
    {
        var options = T.Options() with { Grace = TimeSpan.FromMinutes(30) };

        SettlementCalculation result = Calculate(
            [T.Op("canonical:EX-2", "2026-11-20T10:00Z", T.Hour)],
            [T.Assign("EX-2", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            [T.Rate("EX-2", 10m)],
            now: T.At("2026-11-21T00:30Z"),
            options: options);

        result.Totals.Should().ContainSingle();
    }

    [Fact]
    public void Calculate_PeriodStartingBeforeHorizon_IsLeftAlone()
    {
        BucketEntry[] entries = [T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour), T.Op("canonical:EX-1", "2026-11-21T10:00Z", T.Hour)];
        EquipmentAssignment[] assignments = [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")];
        EquipmentRate[] rates = [T.Rate("EX-1", 10m)];

        // 35 days before 2026-12-25T12:00Z is 2026-11-20T12:00Z: the 20th started earlier, the 21st later.
        Calculate(entries, assignments, rates, now: T.At("2026-12-25T12:00Z")).Totals.Select(t => t.Period)
            .Should().Equal(T.Day("2026-11-21"));
        Calculate(entries, assignments, rates, now: T.At("2026-12-25T00:00Z")).Totals.Select(t => t.Period)
            .Should().Equal(T.Day("2026-11-20"), T.Day("2026-11-21"));
    }

    [Fact]
    public void Calculate_ExplicitCodes_OverrideAssignment()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T08:00Z", T.Hour, "PRJ-9", "77-100"),
                T.Op("canonical:EX-1", "2026-11-20T09:00Z", 2 * T.Hour),
            ],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", 10m)]);

        result.Totals.Select(t => (t.ProjectCode, t.CostCode, t.Lines.Single().OperatingMs)).Should().Equal(
            ("PRJ-1", "03-200", 2 * T.Hour),
            ("PRJ-9", "77-100", T.Hour));
    }

    [Fact]
    public void Calculate_OverlappingAssignments_LatestValidFromTakesTheBucket()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T05:45Z", 900_000),
                T.Op("canonical:EX-1", "2026-11-20T06:00Z", 900_000),
                T.Op("canonical:EX-1", "2026-11-20T11:45Z", 900_000),
                T.Op("canonical:EX-1", "2026-11-20T12:00Z", 900_000),
            ],
            assignments:
            [
                T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
                T.Assign("EX-1", "PRJ-2", "04-100", "2026-11-20T06:00Z", "2026-11-20T12:00Z"),
            ],
            rates: [T.Rate("EX-1", 10m)]);

        result.Totals.Select(t => (t.ProjectCode, t.CostCode, t.Lines.Single().OperatingMs)).Should().Equal(
            ("PRJ-1", "03-200", 1_800_000L),
            ("PRJ-2", "04-100", 1_800_000L));
    }

    [Fact]
    public void Calculate_CostCodeMap_AppliesToAssignmentsAndEventsAndMergesLines()
    {
        var options = T.Options(new Dictionary<string, string> { ["03-200-F"] = "FIN-3200", ["03-210-F"] = "FIN-3200" });

        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T08:00Z", T.Hour),
                T.Idle("canonical:EX-1", "2026-11-20T09:00Z", 1_800_000, "PRJ-1", "03-210-F"),
                T.Op("canonical:EX-1", "2026-11-20T09:00Z", 1_800_000, "PRJ-1", "03-210-F"),
                T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour, "PRJ-1", "05-100"),
            ],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200-F", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", 100m, idle: 20m)],
            options: options);

        result.Totals.Select(t => (t.CostCode, t.Lines.Single().OperatingMs, t.Lines.Single().IdleMs, t.Amount)).Should().Equal(
            ("05-100", T.Hour, 0L, 100.00m),
            ("FIN-3200", 5_400_000L, 1_800_000L, 110.00m)); // working 1 h × 100 + idle 0.5 h × 20
    }

    [Fact]
    public void Calculate_UnresolvedIdentifier_ExceptionWithQuantities()
    {
        SettlementCalculation result = Calculate(
        [
            T.Op("serial:SN-77", "2026-11-20T10:00Z", 5_400_000),
            T.Op("serial:SN-77", "2026-11-20T23:45Z", 1_800_000),
            T.Idle("serial:SN-77", "2026-11-20T10:00Z", 1_800_000),
            T.Burn("serial:SN-77", "2026-11-20T10:00Z", 10_000),
            T.Fill("serial:SN-77", "2026-11-20T11:00Z", 50_000),
            T.Op("serial:SN-77", "2026-11-20T23:30Z", 600_000, "PRJ-BER", "03-200"),
        ]);

        result.Totals.Should().BeEmpty();
        result.Exceptions.Should().BeEquivalentTo(new[]
        {
            new { Kind = "unresolved_identifier", Period = T.Day("2026-11-20"), Identifier = "serial:SN-77", EquipmentId = (string?)null, ProjectCode = (string?)null, CostCode = (string?)null, OperatingMs = 7_200_000L, IdleMs = 1_800_000L, FuelMl = 10_000L },
            new { Kind = "unresolved_identifier", Period = T.Day("2026-11-21"), Identifier = "serial:SN-77", EquipmentId = (string?)null, ProjectCode = (string?)"PRJ-BER", CostCode = (string?)"03-200", OperatingMs = 600_000L, IdleMs = 0L, FuelMl = 0L },
        }, o => o.WithStrictOrdering());
        result.FuelReconciliation.Should().ContainSingle().Which.Should().Be(
            new FuelReconciliationLine(T.Day("2026-11-20"), null, "serial:SN-77", null, 50_000, 10_000));
    }

    [Fact]
    public void Calculate_NoAssignment_ExceptionPerCanonicalIdOnTheUtcDay()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-5", "2026-11-20T23:30Z", 900_000),
                T.Op("rental:R-5", "2026-11-20T10:00Z", T.Hour),
                T.Idle("rental:R-5", "2026-11-20T10:00Z", 600_000),
                T.Op("canonical:EX-5", "2026-11-21T00:15Z", 300_000),
            ],
            aliases: [new EquipmentAlias("rental", "R-5", "EX-5")]);

        result.Exceptions.Select(e => (e.Kind, e.Period, e.Identifier, e.EquipmentId, e.ProjectCode, e.OperatingMs, e.IdleMs, e.FuelMl)).Should().Equal(
            ("no_assignment", T.Day("2026-11-20"), "EX-5", "EX-5", (string?)null, 4_500_000L, 600_000L, 0L),
            ("no_assignment", T.Day("2026-11-21"), "EX-5", "EX-5", (string?)null, 300_000L, 0L, 0L));
    }

    [Fact]
    public void Calculate_NoRate_MissingRateExceptionAndLineLeftOut()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour),
                T.Op("canonical:EX-3", "2026-11-20T10:00Z", 2 * T.Hour),
                T.Burn("canonical:EX-3", "2026-11-20T10:00Z", 5_000),
            ],
            assignments:
            [
                T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
                T.Assign("EX-3", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
            ],
            rates: [T.Rate("EX-1", 10m), T.Rate("EX-3", 10m, fromIso: "2026-11-20T00:00:00.001Z")]);

        result.Totals.Single().Lines.Select(l => l.EquipmentId).Should().Equal("EX-1");
        SettlementException e = result.Exceptions.Should().ContainSingle().Subject;
        (e.Kind, e.Period, e.Identifier, e.EquipmentId, e.ProjectCode, e.CostCode, e.OperatingMs, e.IdleMs, e.FuelMl)
            .Should().Be(("missing_rate", T.Day("2026-11-20"), "EX-3", "EX-3", "PRJ-1", "03-200", 2 * T.Hour, 0L, 5_000L));
    }

    [Fact]
    public void Calculate_RateCurrencyNotProjectCurrency_CurrencyMismatchException()
    {
        SettlementCalculation result = Calculate(
            [T.Op("canonical:EX-4", "2026-11-20T10:00Z", T.Hour), T.Op("canonical:EX-6", "2026-11-20T10:00Z", T.Hour)],
            assignments:
            [
                T.Assign("EX-4", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
                T.Assign("EX-6", "PRJ-BER", "03-200", "2026-01-01T00:00Z"),
            ],
            rates: [T.Rate("EX-4", 10m, currency: "EUR"), T.Rate("EX-6", 10m, currency: "EUR")]);

        result.Totals.Select(t => (t.ProjectCode, t.Currency)).Should().Equal(("PRJ-BER", "EUR"));
        SettlementException e = result.Exceptions.Should().ContainSingle().Subject;
        (e.Kind, e.Identifier, e.ProjectCode, e.OperatingMs).Should().Be(("currency_mismatch", "EX-4", "PRJ-1", T.Hour));
        e.Detail.Should().Contain("EUR").And.Contain("USD");
    }

    [Fact]
    public void Calculate_Fills_NeverAllocatedButReconciled()
    {
        SettlementCalculation result = Calculate(
            [
                T.Op("canonical:EX-1", "2026-11-20T10:00Z", T.Hour),
                T.Fill("canonical:EX-1", "2026-11-20T07:00Z", 200_000),
                T.Burn("canonical:EX-1", "2026-11-20T10:00Z", 42_000),
            ],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", 10m, fuelPrice: 2m)]);

        AllocationLine line = SingleLine(result);
        line.FuelMl.Should().Be(42_000);
        line.FuelAmount.Should().Be(84.00m);
        result.FuelReconciliation.Should().Equal(new FuelReconciliationLine(T.Day("2026-11-20"), "PRJ-1", "EX-1", "EX-1", 200_000, 42_000));
    }

    [Fact]
    public void Calculate_InputOrder_DoesNotChangeTheResult()
    {
        var entries = new List<BucketEntry>();
        for (int i = 0; i < 40; i++)
        {
            entries.Add(T.Op($"canonical:EX-{i % 4}", "2026-11-20T00:00Z", 60_000 + i) with { BucketStartMs = T.Ms("2026-11-20T00:00Z") + (i * 15 * T.Minute) });
            entries.Add(T.Idle($"canonical:EX-{i % 3}", "2026-11-20T00:00Z", 7_000 + i) with { BucketStartMs = T.Ms("2026-11-20T00:00Z") + (i * 15 * T.Minute) });
        }

        EquipmentAssignment[] assignments = [.. Enumerable.Range(0, 4).Select(i => T.Assign($"EX-{i}", i % 2 == 0 ? "PRJ-BER" : "PRJ-CHI", "03-200", "2026-01-01T00:00Z"))];
        EquipmentRate[] rates = [.. Enumerable.Range(0, 4).Select(i => T.Rate($"EX-{i}", 97.3333m, 41.1111m, currency: i % 2 == 0 ? "EUR" : "USD"))];

        SettlementCalculation forward = Calculate(entries, assignments, rates);
        entries.Reverse();
        SettlementCalculation backward = Calculate(entries, assignments, rates);

        backward.Totals.Should().BeEquivalentTo(forward.Totals, o => o.WithStrictOrdering());
        forward.Totals.Should().HaveCount(3); // Berlin 11-20; Chicago 11-19 (before 06:00Z) and 11-20
    }
}

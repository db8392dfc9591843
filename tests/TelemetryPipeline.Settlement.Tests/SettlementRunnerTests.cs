using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

/// <summary>End-to-end settlement over in-memory seams; expected cents worked out by hand from the rules.</summary>
public sealed class SettlementRunnerTests
{
    private static readonly DateTimeOffset s_first = T.At("2026-11-21T03:00Z");
    private static readonly DateTimeOffset s_second = T.At("2026-11-22T03:00Z");

    private sealed class Rig
    {
        public Rig(SettlementOptions? options = null)
        {
            Options = options ?? T.Options();
            Master = new InMemoryMasterDataSource(Options);
            Runner = new SettlementRunner(Store, Master, Ledger, Options);
        }

        public SettlementOptions Options { get; }
        public FakeTelemetryStore Store { get; } = new();
        public FakeLedger Ledger { get; } = new();
        public InMemoryMasterDataSource Master { get; }
        public SettlementRunner Runner { get; }

        public Task<SettlementReport> Settle(DateTimeOffset now) => Runner.RunAsync(now, CancellationToken.None);

        /// <summary>EX-1 and EX-2 on PRJ-1/03-200 at 100/h operating, 20/h idle, 1.50/L; EX-1 2 h, EX-2 1 h on 2026-11-20.</summary>
        public static Rig TwoMachines()
        {
            var rig = new Rig();
            foreach (string m in new[] { "EX-1", "EX-2" })
            {
                rig.Master.Upsert(T.Assign(m, "PRJ-1", "03-200", "2026-01-01T00:00Z"));
                rig.Master.Upsert(T.Rate(m, 100m, 20m, 1.50m));
            }

            rig.Store.Add(T.Op("canonical:EX-1", "2026-11-20T08:00Z", 2 * T.Hour), T.Op("canonical:EX-2", "2026-11-20T09:00Z", T.Hour));
            return rig;
        }
    }

    private static (long Op, long Idle, long Fuel, decimal Amount) Sum(IEnumerable<Allocation> allocations, string equipmentId)
    {
        AllocationLine[] lines = [.. allocations.SelectMany(a => a.Lines).Where(l => l.EquipmentId == equipmentId)];
        return (lines.Sum(l => l.OperatingMs), lines.Sum(l => l.IdleMs), lines.Sum(l => l.FuelMl), lines.Sum(l => l.Amount));
    }

    [Fact]
    public async Task RunAsync_FirstSettlement_StagesRevision1()
    {
        Rig rig = Rig.TwoMachines();

        SettlementReport report = await rig.Settle(s_first);

        Allocation r1 = rig.Ledger.Allocations.Should().ContainSingle().Subject;
        r1.AllocationId.Should().Be("2026-11-20/PRJ-1/03-200/r1");
        r1.Status.Should().Be(AllocationStatus.Pending);
        r1.Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.Amount)).Should().Equal(("EX-1", 2 * T.Hour, 200.00m), ("EX-2", T.Hour, 100.00m));
        r1.Amount.Should().Be(300.00m);
        report.AllocationsPlanned.Should().Be(1);
        report.AllocationsStaged.Should().Be(1);
        report.LinesPlanned.Should().Be(2);
        report.PeriodsClosed.Should().Be(1);
        report.PeriodsOpen.Should().Be(0);
        report.SettledAmountByCurrency.Should().Equal(new Dictionary<string, decimal> { ["USD"] = 300.00m });
        report.PlannedAmountByCurrency.Should().Equal(new Dictionary<string, decimal> { ["USD"] = 300.00m });
        report.ExceptionsByKind.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_Twice_StagesNothingTheSecondTime()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);

        SettlementReport again = await rig.Settle(s_first);
        SettlementReport later = await rig.Settle(s_second);

        rig.Ledger.Allocations.Should().ContainSingle();
        again.AllocationsPlanned.Should().Be(0);
        again.AllocationsStaged.Should().Be(0);
        later.AllocationsPlanned.Should().Be(0);
        later.SettledAmountByCurrency["USD"].Should().Be(300.00m);
    }

    [Fact]
    public async Task RunAsync_StaleRevisionPlannedTwice_LedgerKeepsOne()
    {
        // Two instances that computed the same revision: the deterministic id makes the second stage a no-op.
        Rig rig = Rig.TwoMachines();
        var other = new SettlementRunner(rig.Store, rig.Master, rig.Ledger, rig.Options);
        SettlementReport first = await rig.Settle(s_first);

        int stagedAgain = await rig.Ledger.StageAsync(first.Planned, CancellationToken.None);
        SettlementReport second = await other.RunAsync(s_first, CancellationToken.None);

        stagedAgain.Should().Be(0);
        second.AllocationsPlanned.Should().Be(0);
        rig.Ledger.Allocations.Should().ContainSingle();
    }

    [Fact]
    public async Task RunAsync_LateEvents_Revision2HoldsOnlyTheDifferences()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);

        rig.Store.Add(T.Op("canonical:EX-1", "2026-11-20T15:00Z", 1_800_000), T.Idle("canonical:EX-1", "2026-11-20T15:00Z", 900_000));
        SettlementReport report = await rig.Settle(s_second);

        Allocation r2 = rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2");
        AllocationLine line = r2.Lines.Should().ContainSingle().Subject;
        // EX-1 now 2.5 h operating, 0.25 h idle: working 2.25 h × 100 = 225.00, idle 0.25 h × 20 = 5.00; before 200.00.
        (line.EquipmentId, line.OperatingMs, line.IdleMs, line.OperatingAmount, line.IdleAmount, line.Amount)
            .Should().Be(("EX-1", 1_800_000L, 900_000L, 25.00m, 5.00m, 30.00m));
        report.PlannedAmountByCurrency["USD"].Should().Be(30.00m);
        report.SettledAmountByCurrency["USD"].Should().Be(330.00m);
        rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r1").Amount.Should().Be(300.00m);
    }

    [Fact]
    public async Task RunAsync_LateAssignmentMovesAMachine_NegativeRevisionAndNewAllocation()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);

        rig.Master.Upsert(T.Assign("EX-2", "PRJ-2", "04-100", "2026-11-20T00:00Z"));
        await rig.Settle(s_second);

        Allocation r2 = rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2");
        r2.Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.Amount)).Should().Equal(("EX-2", -T.Hour, -100.00m));
        Allocation moved = rig.Ledger.Get("2026-11-20/PRJ-2/04-100/r1");
        moved.Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.Amount)).Should().Equal(("EX-2", T.Hour, 100.00m));
        rig.Ledger.Allocations.Where(a => a.ProjectCode == "PRJ-1").Sum(a => a.Amount).Should().Be(200.00m);
    }

    [Fact]
    public async Task RunAsync_LateAlias_UnresolvedExceptionBecomesARevision()
    {
        Rig rig = Rig.TwoMachines();
        rig.Master.Upsert(T.Assign("EX-3", "PRJ-1", "03-200", "2026-01-01T00:00Z"));
        rig.Master.Upsert(T.Rate("EX-3", 60m));
        rig.Store.Add(T.Op("serial:SN-3", "2026-11-20T10:00Z", T.Hour), T.Burn("serial:SN-3", "2026-11-20T10:00Z", 12_345));

        SettlementReport first = await rig.Settle(s_first);
        first.ExceptionsByKind.Should().Equal(new Dictionary<string, int> { ["unresolved_identifier"] = 1 });
        rig.Ledger.Exceptions.Should().ContainSingle().Which.Should().Match<SettlementException>(e =>
            e.Identifier == "serial:SN-3" && e.OperatingMs == T.Hour && e.FuelMl == 12_345 && e.Period == T.Day("2026-11-20"));

        rig.Master.Upsert(new EquipmentAlias("serial", "SN-3", "EX-3"));
        SettlementReport second = await rig.Settle(s_second);

        Allocation r2 = rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2");
        // 1 h × 60 = 60.00; EX-3's rate prices fuel at 0, so the 12.345 L cost 0.00.
        r2.Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.FuelMl, l.Amount)).Should().Equal(("EX-3", T.Hour, 12_345L, 60.00m));
        second.ExceptionsByKind.Should().BeEmpty();
        rig.Ledger.Exceptions.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_LateAssignment_NoAssignmentExceptionBecomesAnAllocation()
    {
        Rig rig = Rig.TwoMachines();
        rig.Master.Upsert(T.Rate("EX-4", 50m, fuelPrice: 1.50m));
        rig.Store.Add(T.Op("canonical:EX-4", "2026-11-20T10:00Z", T.Hour), T.Burn("canonical:EX-4", "2026-11-20T10:00Z", 12_345));

        SettlementReport first = await rig.Settle(s_first);
        first.ExceptionsByKind.Should().Equal(new Dictionary<string, int> { ["no_assignment"] = 1 });

        rig.Master.Upsert(T.Assign("EX-4", "PRJ-CHI", "03-200", "2026-11-01T00:00Z"));
        await rig.Settle(s_second);

        // Chicago: 10:00Z is 04:00 local on the 20th. 1 h × 50 = 50.00; 12.345 L × 1.50 = 18.5175 → 18.52.
        Allocation r1 = rig.Ledger.Get("2026-11-20/PRJ-CHI/03-200/r1");
        r1.Lines.Select(l => (l.EquipmentId, l.OperatingAmount, l.FuelAmount, l.Amount)).Should().Equal(("EX-4", 50.00m, 18.52m, 68.52m));
        rig.Ledger.Exceptions.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_LateRate_MissingRateBecomesARevision()
    {
        Rig rig = Rig.TwoMachines();
        rig.Master.Upsert(T.Assign("EX-3", "PRJ-1", "03-200", "2026-01-01T00:00Z"));
        rig.Store.Add(T.Op("canonical:EX-3", "2026-11-20T10:00Z", 5_400_000));

        SettlementReport first = await rig.Settle(s_first);
        first.ExceptionsByKind.Should().Equal(new Dictionary<string, int> { ["missing_rate"] = 1 });
        rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r1").Lines.Select(l => l.EquipmentId).Should().Equal("EX-1", "EX-2");

        rig.Master.Upsert(T.Rate("EX-3", 33.33m));
        await rig.Settle(s_second);

        // 1.5 h × 33.33 = 49.995 → 50.00.
        rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2").Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.Amount))
            .Should().Equal(("EX-3", 5_400_000L, 50.00m));
        rig.Ledger.Exceptions.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_LateRateChange_AmountOnlyDifference()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);

        rig.Master.Upsert(T.Rate("EX-1", 90m, 20m, 1.50m, fromIso: "2026-11-15T00:00Z"));
        await rig.Settle(s_second);

        AllocationLine line = rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2").Lines.Should().ContainSingle().Subject;
        (line.EquipmentId, line.OperatingMs, line.IdleMs, line.FuelMl, line.OperatingAmount, line.Amount)
            .Should().Be(("EX-1", 0L, 0L, 0L, -20.00m, -20.00m));
        line.Rate.OperatingRate.Should().Be(90m);
    }

    [Fact]
    public async Task RunAsync_RateNowMissing_LineIsNegated()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);

        // A corrected rate card (master data replaced, e.g. restored from source): EX-2's rate really starts on the 21st.
        var fixedMaster = new InMemoryMasterDataSource(rig.Options);
        fixedMaster.Upsert(T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"));
        fixedMaster.Upsert(T.Assign("EX-2", "PRJ-1", "03-200", "2026-01-01T00:00Z"));
        fixedMaster.Upsert(T.Rate("EX-1", 100m, 20m, 1.50m));
        fixedMaster.Upsert(T.Rate("EX-2", 100m, 20m, 1.50m, fromIso: "2026-11-21T00:00Z"));
        SettlementReport report = await new SettlementRunner(rig.Store, fixedMaster, rig.Ledger, rig.Options).RunAsync(s_second, CancellationToken.None);

        rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2").Lines.Select(l => (l.EquipmentId, l.OperatingMs, l.Amount))
            .Should().Equal(("EX-2", -T.Hour, -100.00m));
        report.ExceptionsByKind.Should().Equal(new Dictionary<string, int> { ["missing_rate"] = 1 });
    }

    [Fact]
    public async Task RunAsync_RejectedRevision_IsNotRestaged()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);
        rig.Ledger.SetStatus("2026-11-20/PRJ-1/03-200/r1", AllocationStatus.Rejected);

        (await rig.Settle(s_second)).AllocationsPlanned.Should().Be(0);

        rig.Store.Add(T.Op("canonical:EX-2", "2026-11-20T10:00Z", T.Hour));
        await rig.Settle(s_second);
        rig.Ledger.Get("2026-11-20/PRJ-1/03-200/r2").Lines.Select(l => (l.EquipmentId, l.Amount)).Should().Equal(("EX-2", 100.00m));
    }

    [Fact]
    public async Task RunAsync_PeriodNotClosed_StagesNothingAndCountsItOpen()
    {
        Rig rig = Rig.TwoMachines();

        SettlementReport report = await rig.Settle(T.At("2026-11-21T01:59Z"));

        report.AllocationsPlanned.Should().Be(0);
        report.PeriodsOpen.Should().Be(1);
        report.PeriodsConsidered.Should().Be(1);
        rig.Ledger.StageCalls.Should().Be(0);
        (await rig.Settle(T.At("2026-11-21T02:00Z"))).AllocationsStaged.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_PeriodLeftTheHorizon_EarlierRevisionsAreNotNegated()
    {
        Rig rig = Rig.TwoMachines();
        await rig.Settle(s_first);
        rig.Store.Expire(BucketMath.UtcDay(T.Ms("2026-11-20T00:00Z")));

        SettlementReport report = await rig.Settle(T.At("2026-12-30T00:00Z"));

        report.AllocationsPlanned.Should().Be(0);
        rig.Ledger.Allocations.Should().ContainSingle();
    }

    [Fact]
    public async Task RunAsync_ReadsExactlyTheHorizonDays()
    {
        Rig rig = Rig.TwoMachines();

        SettlementReport report = await rig.Settle(T.At("2026-11-25T12:00Z"));

        // 2026-10-21T12:00Z (now − 35 d) to 2026-11-25: 36 UTC days.
        report.UtcDaysRead.Should().Be(36);
        rig.Store.DaysRead.Should().Be(36);
        report.BucketEntriesRead.Should().Be(2);
        report.PeriodFrom.Should().Be(T.Day("2026-10-20"));
        report.PeriodTo.Should().Be(T.Day("2026-11-26"));
    }

    [Fact]
    public async Task RunAsync_Currencies_NeverSummedTogether()
    {
        Rig rig = Rig.TwoMachines();
        rig.Master.Upsert(T.Assign("EX-5", "PRJ-BER", "03-200", "2026-01-01T00:00Z"));
        rig.Master.Upsert(T.Rate("EX-5", 70m, currency: "EUR"));
        rig.Master.Upsert(T.Assign("EX-6", "PRJ-BER", "03-200", "2026-01-01T00:00Z"));
        rig.Master.Upsert(T.Rate("EX-6", 70m, currency: "USD"));
        rig.Store.Add(T.Op("canonical:EX-5", "2026-11-20T10:00Z", T.Hour), T.Op("canonical:EX-6", "2026-11-20T10:00Z", T.Hour));

        SettlementReport report = await rig.Settle(s_first);

        report.SettledAmountByCurrency.Should().Equal(new Dictionary<string, decimal> { ["EUR"] = 70.00m, ["USD"] = 300.00m });
        report.ExceptionsByKind.Should().Equal(new Dictionary<string, int> { ["currency_mismatch"] = 1 });
        rig.Ledger.Get("2026-11-20/PRJ-BER/03-200/r1").Currency.Should().Be("EUR");
    }

    [Fact]
    public async Task RunAsync_WithoutNow_UsesTheClock()
    {
        Rig rig = Rig.TwoMachines();
        var runner = new SettlementRunner(rig.Store, rig.Master, rig.Ledger, rig.Options, new FixedClock(s_first));

        SettlementReport report = await runner.RunAsync(CancellationToken.None);

        report.Now.Should().Be(s_first);
        report.AllocationsStaged.Should().Be(1);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

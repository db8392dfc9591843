using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Finance.Tests;

/// <summary>
/// End to end from Redis buckets (written by the real apply script) through master data persisted in PostgreSQL to the
/// staged ledger, with the expected cents worked out by hand from ALLOCATION-RULES.md in each test's comments.
/// </summary>
[Collection(FinanceCollection.Name)]
public sealed class SettlementAmountsTests(FinanceFixture fixture)
{
    private const string Now = "2026-11-25T12:00Z";

    [Fact]
    public async Task Settle_DuplicateEvents_CountOnceToTheCent()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "dupes");
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-1", "PRJ-1", "03-200")],
            rates: [Md.Rate("EX-1", operating: 97.35m, idle: 41.20m, fuelPrice: 1.6875m)]);
        NormalizedEvent op1 = Ev.Op("canonical:EX-1", "op-1", "2026-11-20T06:00Z", "2026-11-20T10:07Z");
        NormalizedEvent op2 = Ev.Op("canonical:EX-1", "op-2", "2026-11-20T12:00Z", "2026-11-20T13:00Z");
        NormalizedEvent idle = Ev.Idle("canonical:EX-1", "idle-1", "2026-11-20T08:00Z", "2026-11-20T08:53Z");
        NormalizedEvent burn = Ev.Burn("canonical:EX-1", "fuel-1", "2026-11-20T09:00Z", 123_457);

        (await world.ApplyAsync(op1, op2, idle, burn)).Should().AllSatisfy(o => o.Should().Be(EventOutcome.Applied));
        // Redelivered by Kafka: the same events again, one of them twice in the same batch.
        (await world.ApplyAsync(op1, idle, burn, op2, op2)).Should().AllSatisfy(o => o.Should().Be(EventOutcome.Duplicate));
        await world.SettleAsync(Now);

        // operating 4 h 07 min + 1 h = 18,420,000 ms; idle 53 min = 3,180,000 ms; working 15,240,000 ms.
        // operating 15,240,000 × 97.35 / 3,600,000 = 412.115 → 412.12 (half away from zero)
        // idle       3,180,000 × 41.20 / 3,600,000 = 36.393… → 36.39
        // fuel         123,457 × 1.6875 / 1,000    = 208.333… → 208.33; line 656.84
        Allocation allocation = (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-200")).Should().ContainSingle().Subject;
        allocation.Revision.Should().Be(1);
        allocation.Currency.Should().Be("USD");
        allocation.Status.Should().Be(AllocationStatus.Pending);
        AllocationLine line = allocation.Lines.Should().ContainSingle().Subject;
        line.Should().BeEquivalentTo(new
        {
            EquipmentId = "EX-1",
            OperatingMs = 18_420_000L,
            IdleMs = 3_180_000L,
            FuelMl = 123_457L,
            OperatingAmount = 412.12m,
            IdleAmount = 36.39m,
            FuelAmount = 208.33m,
        });
        allocation.Amount.Should().Be(656.84m);
    }

    [Fact]
    public async Task Settle_LateEventAfterSettlement_StagesRevision2WithOnlyTheDifference()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "late_events");
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-1", "PRJ-1", "03-200"), Md.Assign("EX-2", "PRJ-1", "03-200")],
            rates: [Md.Rate("EX-1", 100.00m), Md.Rate("EX-2", 80.00m)]);
        NormalizedEvent early = Ev.Op("canonical:EX-1", "a-1", "2026-11-20T08:00Z", "2026-11-20T12:00Z");
        await world.ApplyAsync(early, Ev.Op("canonical:EX-2", "b-1", "2026-11-20T08:00Z", "2026-11-20T10:00Z"));
        await world.SettleAsync(Now);
        Allocation r1 = (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-200")).Single();
        // EX-1 4 h × 100.00 = 400.00; EX-2 2 h × 80.00 = 160.00.
        r1.Amount.Should().Be(560.00m);
        (await world.Ledger.ApproveAsync(r1.AllocationId, "alice@finance", "ok")).Succeeded.Should().BeTrue();

        // Twenty minutes more of EX-1 arrive after the period was settled, with a late duplicate of an old event.
        (await world.ApplyAsync(Ev.Op("canonical:EX-1", "a-2", "2026-11-20T13:00Z", "2026-11-20T13:20Z"), early))
            .Should().Equal(EventOutcome.Applied, EventOutcome.Duplicate);
        SettlementReport second = await world.SettleAsync("2026-11-25T13:00Z");

        // EX-1 now 4 h 20 min = 15,600,000 ms × 100.00 / 3,600,000 = 433.333… → 433.33; difference 33.33. EX-2 unchanged: omitted.
        second.AllocationsStaged.Should().Be(1);
        IReadOnlyList<Allocation> revisions = await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-200");
        revisions.Select(r => r.Revision).Should().Equal(1, 2);
        revisions[0].Should().BeEquivalentTo(r1 with { Status = AllocationStatus.Approved }, "approved numbers are never rewritten");
        Allocation r2 = revisions[1];
        r2.Status.Should().Be(AllocationStatus.Pending);
        r2.Lines.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            EquipmentId = "EX-1",
            OperatingMs = 1_200_000L,
            IdleMs = 0L,
            FuelMl = 0L,
            OperatingAmount = 33.33m,
            IdleAmount = 0m,
            FuelAmount = 0m,
        });
        (revisions[0].Lines.Single(l => l.EquipmentId == "EX-1").Amount + r2.Amount).Should().Be(433.33m);

        (await world.SettleAsync("2026-11-25T14:00Z")).AllocationsStaged.Should().Be(0, "nothing changed since");
    }

    [Fact]
    public async Task Settle_AliasAndAssignmentArriveLate_ExceptionsThenAllocation()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "late_master");
        await world.ApplyAsync(
            Ev.Op("serial:SN-77", "op-1", "2026-11-20T10:00Z", "2026-11-20T11:30Z"),
            Ev.Idle("serial:SN-77", "idle-1", "2026-11-20T10:00Z", "2026-11-20T10:10Z"));

        SettlementReport first = await world.SettleAsync(Now);
        first.AllocationsStaged.Should().Be(0);
        SettlementException unresolved = (await world.ExceptionsAsync()).Should().ContainSingle().Subject;
        unresolved.Should().BeEquivalentTo(new
        {
            Kind = ExceptionKinds.UnresolvedIdentifier,
            Period = T.Day("2026-11-20"),
            Identifier = "serial:SN-77",
            OperatingMs = 5_400_000L,
            IdleMs = 600_000L,
        });

        await world.UpsertAsync(aliases: [Md.Alias("serial", "SN-77", "EX-3")]);
        (await world.SettleAsync(Now)).AllocationsStaged.Should().Be(0);
        (await world.ExceptionsAsync()).Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Kind = ExceptionKinds.NoAssignment,
            EquipmentId = "EX-3",
            OperatingMs = 5_400_000L,
            IdleMs = 600_000L,
        });

        await world.UpsertAsync(
            assignments: [Md.Assign("EX-3", "PRJ-1", "03-300", fromIso: "2026-11-20T00:00Z")],
            rates: [Md.Rate("EX-3", operating: 120.50m, idle: 30.00m)]);
        (await world.SettleAsync(Now)).AllocationsStaged.Should().Be(1);

        // working 5,400,000 − 600,000 = 4,800,000 ms × 120.50 / 3,600,000 = 160.666… → 160.67; idle 600,000 × 30.00 / 3,600,000 = 5.00.
        Allocation allocation = (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-300")).Should().ContainSingle().Subject;
        allocation.Revision.Should().Be(1, "nothing was staged for this period before");
        allocation.Lines.Should().ContainSingle().Which.Should().BeEquivalentTo(new { EquipmentId = "EX-3", OperatingAmount = 160.67m, IdleAmount = 5.00m, FuelAmount = 0m });
        allocation.Amount.Should().Be(165.67m);
        (await world.ExceptionsAsync()).Should().BeEmpty("the master data fixed them");
    }

    [Fact]
    public async Task Settle_RateChanges_EachPeriodPricedAtItsLocalMidnightAndCorrectionsAreRevisions()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "rate_change");
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-4", "PRJ-1", "03-200")],
            rates:
            [
                Md.Rate("EX-4", 90.00m),
                Md.Rate("EX-4", 95.00m, fromIso: "2026-11-21T00:00Z"),
                // Mid-day: the 22nd started under 95.00, so this card prices the 23rd first.
                Md.Rate("EX-4", 99.00m, fromIso: "2026-11-22T12:00Z"),
            ]);
        foreach (string day in new[] { "20", "21", "22", "23" })
        {
            await world.ApplyAsync(Ev.Op("canonical:EX-4", "op-" + day, $"2026-11-{day}T14:00Z", $"2026-11-{day}T15:00Z"));
        }

        await world.SettleAsync(Now);
        var expected = new Dictionary<string, decimal> { ["20"] = 90.00m, ["21"] = 95.00m, ["22"] = 95.00m, ["23"] = 99.00m };
        foreach ((string day, decimal amount) in expected)
        {
            Allocation allocation = (await world.RevisionsAsync($"2026-11-{day}", "PRJ-1", "03-200")).Single();
            allocation.Amount.Should().Be(amount, $"1 h on the {day}th");
            allocation.Lines.Single().Rate.OperatingRate.Should().Be(amount);
        }

        // The card of the 21st was wrong: 96.50. The 21st and 22nd get a revision holding only the amount difference.
        await world.UpsertAsync(rates: [Md.Rate("EX-4", 96.50m, fromIso: "2026-11-21T00:00Z")]);
        (await world.SettleAsync(Now)).AllocationsStaged.Should().Be(2);
        foreach (string day in new[] { "21", "22" })
        {
            IReadOnlyList<Allocation> revisions = await world.RevisionsAsync($"2026-11-{day}", "PRJ-1", "03-200");
            revisions.Should().HaveCount(2);
            revisions[1].Lines.Should().ContainSingle().Which.Should().BeEquivalentTo(new
            {
                EquipmentId = "EX-4",
                OperatingMs = 0L,
                IdleMs = 0L,
                FuelMl = 0L,
                OperatingAmount = 1.50m,
                Rate = new { OperatingRate = 96.50m, ValidFromMs = T.Ms("2026-11-21T00:00Z") },
            });
        }

        (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-200")).Should().HaveCount(1);
        (await world.RevisionsAsync("2026-11-23", "PRJ-1", "03-200")).Should().HaveCount(1);
    }

    [Fact]
    public async Task Settle_TwoTimeZones_PeriodsAreLocalDaysClosedAtLocalCutoff()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "zones");
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-5", "PRJ-CHI", "03-200"), Md.Assign("EX-6", "PRJ-BER", "03-300")],
            rates: [Md.Rate("EX-5", 75.00m), Md.Rate("EX-6", 60.00m, currency: "EUR")]);
        // Chicago (UTC−6 in November): 04:00Z–08:00Z is 22:00 on the 19th to 02:00 on the 20th: 2 h in each local day.
        // Berlin (UTC+1): 22:00Z–01:00Z is 23:00 on the 20th to 02:00 on the 21st: 1 h, then 2 h.
        await world.ApplyAsync(
            Ev.Op("canonical:EX-5", "chi-1", "2026-11-20T04:00Z", "2026-11-20T08:00Z"),
            Ev.Op("canonical:EX-6", "ber-1", "2026-11-20T22:00Z", "2026-11-21T01:00Z"));

        // At 07:00Z on the 21st: Chicago's 19th closed at 20th 06:00Z + 2 h, its 20th only closes at 21st 08:00Z;
        // Berlin's 20th closed at 20th 23:00Z + 2 h, its 21st closes at 21st 23:00Z + 2 h.
        SettlementReport early = await world.SettleAsync("2026-11-21T07:00Z");
        early.PeriodsClosed.Should().Be(2);
        early.PeriodsOpen.Should().Be(2);
        (await world.AllAsync()).Select(a => (a.AllocationId, a.Currency, a.Amount)).Should().BeEquivalentTo(new[]
        {
            ("2026-11-19/PRJ-CHI/03-200/r1", "USD", 150.00m),
            ("2026-11-20/PRJ-BER/03-300/r1", "EUR", 60.00m),
        });

        SettlementReport later = await world.SettleAsync("2026-11-22T12:00Z");
        later.AllocationsStaged.Should().Be(2);
        later.SettledAmountByCurrency.Should().BeEquivalentTo(new Dictionary<string, decimal> { ["USD"] = 300.00m, ["EUR"] = 180.00m });
        (await world.AllAsync()).Select(a => (a.AllocationId, a.Currency, a.Amount, a.OperatingMs)).Should().BeEquivalentTo(new[]
        {
            ("2026-11-19/PRJ-CHI/03-200/r1", "USD", 150.00m, 2 * T.Hour),
            ("2026-11-20/PRJ-CHI/03-200/r1", "USD", 150.00m, 2 * T.Hour),
            ("2026-11-20/PRJ-BER/03-300/r1", "EUR", 60.00m, 1 * T.Hour),
            ("2026-11-21/PRJ-BER/03-300/r1", "EUR", 120.00m, 2 * T.Hour),
        });
    }

    [Fact]
    public async Task Settle_MissingRate_ExceptionThenRevisionWhenTheRateArrives()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "missing_rate");
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-7", "PRJ-1", "03-400"), Md.Assign("EX-8", "PRJ-1", "03-400")],
            rates: [Md.Rate("EX-7", 50.00m)]);
        await world.ApplyAsync(
            Ev.Op("canonical:EX-7", "a", "2026-11-20T08:00Z", "2026-11-20T10:00Z"),
            Ev.Op("canonical:EX-8", "b", "2026-11-20T08:00Z", "2026-11-20T09:30Z"),
            Ev.Burn("canonical:EX-8", "c", "2026-11-20T09:00Z", 20_000));

        await world.SettleAsync(Now);
        Allocation r1 = (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-400")).Single();
        r1.Lines.Should().ContainSingle().Which.EquipmentId.Should().Be("EX-7");
        r1.Amount.Should().Be(100.00m, "2 h × 50.00");
        (await world.ExceptionsAsync()).Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Kind = ExceptionKinds.MissingRate,
            Period = T.Day("2026-11-20"),
            EquipmentId = "EX-8",
            ProjectCode = "PRJ-1",
            CostCode = "03-400",
            OperatingMs = 5_400_000L,
            FuelMl = 20_000L,
        });

        await world.UpsertAsync(rates: [Md.Rate("EX-8", 70.00m, fuelPrice: 1.5m)]);
        (await world.SettleAsync(Now)).AllocationsStaged.Should().Be(1);

        // 1.5 h × 70.00 = 105.00; 20 L × 1.5 = 30.00.
        Allocation r2 = (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-400")).Should().HaveCount(2).And.Subject.Last();
        r2.Lines.Should().ContainSingle().Which.Should().BeEquivalentTo(new { EquipmentId = "EX-8", OperatingAmount = 105.00m, FuelAmount = 30.00m, OperatingMs = 5_400_000L, FuelMl = 20_000L });
        r2.Amount.Should().Be(135.00m);
        (await world.ExceptionsAsync()).Should().BeEmpty();
    }
}

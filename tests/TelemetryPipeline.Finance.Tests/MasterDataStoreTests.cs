using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;

namespace TelemetryPipeline.Finance.Tests;

[Collection(FinanceCollection.Name)]
public sealed class MasterDataStoreTests(FinanceFixture fixture)
{
    [Fact]
    public async Task LoadAsync_NewInstance_SeesEverythingUpsertedBeforeWithExactDecimals()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "md_restart");
        EquipmentRate precise = Md.Rate("EX-1", operating: 97.3500m, idle: 0.0001m, fuelPrice: 1.6875m, fromIso: "2026-11-01T00:00Z");
        EquipmentRate large = Md.Rate("EX-2", operating: 12345678901234.5678m, idle: 0m, fuelIncluded: true, currency: "EUR", ownership: Ownership.Rented);
        await world.UpsertAsync(
            aliases: [Md.Alias("serial", "SN-1", "EX-1"), Md.Alias("telematics", "T-9", "EX-2")],
            assignments: [Md.Assign("EX-1", "PRJ-1", "03-200", toIso: "2026-11-15T00:00Z"), Md.Assign("EX-1", "PRJ-CHI", "03-300", fromIso: "2026-11-15T00:00Z")],
            rates: [precise, large]);

        await using LedgerStore restarted = world.NewLedgerInstance();
        MasterDataSnapshot snapshot = await new PostgresMasterDataStore(restarted, world.Settlement).LoadAsync(CancellationToken.None);

        snapshot.Aliases.Should().Equal(Md.Alias("serial", "SN-1", "EX-1"), Md.Alias("telematics", "T-9", "EX-2"));
        snapshot.Assignments.Should().Equal(
            Md.Assign("EX-1", "PRJ-1", "03-200", toIso: "2026-11-15T00:00Z"), Md.Assign("EX-1", "PRJ-CHI", "03-300", fromIso: "2026-11-15T00:00Z"));
        snapshot.Rates.Should().Equal(precise, large);
        // Same value and same scale: the numeric column keeps the rate card exactly as sent.
        snapshot.Rates[0].OperatingRate.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be("97.3500");
        snapshot.Rates[0].IdleRate.Should().Be(0.0001m);
        snapshot.Rates[1].OperatingRate.Should().Be(12345678901234.5678m);
        snapshot.TryResolve("serial:SN-1", out string? resolved).Should().BeTrue();
        resolved.Should().Be("EX-1");
        snapshot.GetProject("PRJ-CHI").TimeZone.Should().Be("America/Chicago", "the snapshot carries the options given at construction");
    }

    [Fact]
    public async Task ApplyAsync_SameBatchTwice_ChangesNothingTheSecondTime()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "md_idem");
        var batch = new MasterDataBatch(
            [Md.Alias("serial", "SN-1", "EX-1")],
            [Md.Assign("EX-1", "PRJ-1", "03-200")],
            [Md.Rate("EX-1", 85.50m)]);

        (await world.MasterData.ApplyAsync(batch, CancellationToken.None)).Should().Be(3);
        (await world.MasterData.ApplyAsync(batch, CancellationToken.None)).Should().Be(0);
        (await world.MasterData.ApplyAsync(batch with { Rates = [Md.Rate("EX-1", 85.5000m)] }, CancellationToken.None))
            .Should().Be(0, "85.5000 is the same rate as 85.50");
    }

    [Fact]
    public async Task ApplyAsync_SameKey_LaterRecordReplacesEarlier()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "md_upsert");
        await world.UpsertAsync(assignments: [Md.Assign("EX-1", "PRJ-1", "03-200")], rates: [Md.Rate("EX-1", 80m)]);

        // Within one batch the later record wins too, as on the compacted topic.
        int changed = await world.MasterData.ApplyAsync(
            new MasterDataBatch(
                [Md.Alias("serial", "SN-1", "EX-OLD"), Md.Alias("serial", "SN-1", "EX-1")],
                [Md.Assign("EX-1", "PRJ-CHI", "03-300", toIso: "2026-12-01T00:00Z")],
                [Md.Rate("EX-1", 81m), Md.Rate("EX-1", 82.25m)]),
            CancellationToken.None);

        changed.Should().Be(3);
        MasterDataSnapshot snapshot = await world.MasterData.LoadAsync(CancellationToken.None);
        snapshot.Aliases.Should().ContainSingle().Which.EquipmentId.Should().Be("EX-1");
        snapshot.Assignments.Should().ContainSingle().Which.Should().Be(Md.Assign("EX-1", "PRJ-CHI", "03-300", toIso: "2026-12-01T00:00Z"));
        snapshot.Rates.Should().ContainSingle().Which.OperatingRate.Should().Be(82.25m);
    }

    [Fact]
    public async Task Settle_AfterRestartWithNewStores_FindsNothingToChange()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "md_settle_restart");
        await world.UpsertAsync(
            aliases: [Md.Alias("serial", "SN-1", "EX-1")],
            assignments: [Md.Assign("EX-1", "PRJ-1", "03-200")],
            rates: [Md.Rate("EX-1", 97.35m, idle: 41.20m)]);
        await world.ApplyAsync(
            Ev.Op("serial:SN-1", "op", "2026-11-20T06:00Z", "2026-11-20T10:07Z"),
            Ev.Idle("serial:SN-1", "idle", "2026-11-20T08:00Z", "2026-11-20T08:53Z"));
        (await world.SettleAsync("2026-11-25T12:00Z")).AllocationsStaged.Should().Be(1);

        // A new process: new pools, new master-data store, new Redis store on the same key prefix; nothing re-consumed.
        await using LedgerStore ledger = world.NewLedgerInstance();
        var redis = new RedisTelemetryStore(fixture.RedisConnection, world.Redis.Options);
        var service = new SettlementService(redis, new PostgresMasterDataStore(ledger, world.Settlement), ledger, world.Settlement);
        SettlementServiceResult result = await service.RunOnceAsync(T.At("2026-11-25T13:00Z"), CancellationToken.None);

        result.Report!.AllocationsPlanned.Should().Be(0, "the alias, assignment and rate survived the restart");
        result.Report.Exceptions.Should().BeEmpty();
        // working 4 h 07 − 53 min = 11,640,000 ms × 97.35 / 3,600,000 = 314.765 → 314.77; idle 3,180,000 × 41.20 / 3,600,000 → 36.39.
        (await world.RevisionsAsync("2026-11-20", "PRJ-1", "03-200")).Should().ContainSingle().Which.Amount.Should().Be(351.16m);
    }
}

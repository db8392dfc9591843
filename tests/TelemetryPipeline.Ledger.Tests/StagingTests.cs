using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class StagingTests(PostgresFixture fixture)
{
    [Fact]
    public async Task StageAsync_SameAllocationsTwice_StagesOnce()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_twice");
        List<Allocation> allocations = Samples.Many(3);

        int first = await db.Store.StageAsync(allocations, "settlement");
        int second = await db.Store.StageAsync(allocations, "settlement");

        first.Should().Be(3);
        second.Should().Be(0);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocations")).Should().Be(3);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_lines")).Should().Be(3);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit")).Should().Be(3);
    }

    [Fact]
    public async Task StageAsync_OverlappingBatch_InsertsOnlyNewIds()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_overlap");
        List<Allocation> allocations = Samples.Many(5);
        await db.Store.StageAsync(allocations[..2]);

        int staged = await db.Store.StageAsync(allocations);

        staged.Should().Be(3);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit")).Should().Be(5);
    }

    [Fact]
    public async Task StageAsync_MoreThanOneRoundTrip_StagesAll()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_many");

        int staged = await db.Store.StageAsync(Samples.Many(250));

        staged.Should().Be(250);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocations WHERE status = 'pending'")).Should().Be(250);
    }

    [Fact]
    public async Task StageAsync_Revision_RoundTripsLinesRatesAndNegativeDifferences()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_roundtrip");
        var fuelIncluded = new AppliedRate(95.1234m, 12.5m, FuelIncluded: true, 0m, "USD", 1_700_000_000_123);
        var revision = new Allocation(
            new DateOnly(2026, 11, 20),
            "PRJ-1001",
            "03-200",
            2,
            "USD",
            AllocationStatus.Pending,
            [
                Samples.Line("EX-0042", -Samples.Hour / 4, 0, -2_500, -32.50m, 0m, -3.88m),
                Samples.Line("DZ-0007", 2 * Samples.Hour, 1_800_000, 0, 118.89m, 6.25m, 0m, fuelIncluded),
            ]);

        await db.Store.StageAsync([revision]);
        LedgerEntry? entry = await db.Store.GetAsync("2026-11-20/PRJ-1001/03-200/r2");

        entry.Should().NotBeNull();
        entry!.Allocation.Should().BeEquivalentTo(revision, o => o.ComparingByMembers<Allocation>().WithStrictOrdering());
        entry.Allocation.Amount.Should().Be(88.76m);
        entry.Status.Should().Be(AllocationStatus.Pending);
        entry.OdooRefs.Should().BeNull();
        (await db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE allocation_id = $1", revision.AllocationId)).Should().Be(88.76m);
        (await db.ScalarAsync<long>("SELECT operating_ms FROM allocations WHERE allocation_id = $1", revision.AllocationId)).Should().Be(2 * Samples.Hour - Samples.Hour / 4);
    }

    [Fact]
    public async Task StageAsync_Staged_WritesOneAuditRowBySettlement()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_audit");
        Allocation allocation = Samples.Allocation();

        await db.Store.StageAsync([allocation], "settlement@node-1");
        IReadOnlyList<AuditEntry> audit = await db.Store.GetAuditAsync(allocation.AllocationId);

        audit.Should().ContainSingle();
        audit[0].Actor.Should().Be("settlement@node-1");
        audit[0].ActorKind.Should().Be(ActorKind.System);
        audit[0].FromStatus.Should().BeNull();
        audit[0].ToStatus.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task StageAsync_AmountWithThreeDecimals_ThrowsAndStagesNothing()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_cents");
        Allocation bad = Samples.Allocation(amount: 10.005m);

        Func<Task> act = () => db.Store.StageAsync([Samples.Allocation(costCode: "OK"), bad]);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*2 decimals*");
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocations")).Should().Be(0);
    }

    [Fact]
    public async Task StageAsync_DuplicateEquipmentOnLines_Throws()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("stage_dup_line");
        Allocation bad = Samples.Allocation() with { Lines = [Samples.Line("EX-1", 1, 0, 0, 1m, 0m, 0m), Samples.Line("EX-1", 2, 0, 0, 1m, 0m, 0m)] };

        Func<Task> act = () => db.Store.StageAsync([bad]);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*EX-1*more than one line*");
    }

    [Fact]
    public async Task GetRevisionsAsync_ThreeRevisions_ReturnsThemInOrder()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("revisions");
        await db.Store.StageAsync([Samples.Allocation(revision: 3, amount: -5m), Samples.Allocation(revision: 1), Samples.Allocation(revision: 2, amount: 7.5m)]);
        await db.Store.StageAsync([Samples.Allocation(costCode: "other")]);

        IReadOnlyList<Allocation> revisions = await db.Store.GetRevisionsAsync(new DateOnly(2026, 11, 20), "PRJ-1001", "03-200");

        revisions.Select(r => r.Revision).Should().Equal(1, 2, 3);
        revisions.Sum(r => r.Amount).Should().Be(1076.00m + 7.5m - 5m);
        revisions.Should().OnlyContain(r => r.Lines.Count == 1);
    }

    [Fact]
    public async Task GetAllocationsForPeriodsAsync_Range_IncludesBothEndsOnly()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("periods");
        var days = Enumerable.Range(0, 5).Select(i => new DateOnly(2026, 11, 18).AddDays(i)).ToList();
        await db.Store.StageAsync(days.Select(d => Samples.Allocation(period: d)).ToList());

        IReadOnlyList<Allocation> found = await db.Store.GetAllocationsForPeriodsAsync(days[1], days[3]);

        found.Select(a => a.Period).Should().Equal(days[1], days[2], days[3]);
        found.Should().OnlyContain(a => a.Lines.Count == 1);
    }
}

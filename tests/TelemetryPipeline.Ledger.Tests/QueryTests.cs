using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class QueryTests(PostgresFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 11, 20);

    [Fact]
    public async Task ListAsync_Filters_CombineAndCountTheTotal()
    {
        await using LedgerDatabase db = await SeededAsync("list_filters");

        AllocationPage page = await db.Store.ListAsync(new AllocationQuery
        {
            Status = AllocationStatus.Pending,
            ProjectCode = "PRJ-A",
            PeriodFrom = s_day.AddDays(1),
            PeriodTo = s_day.AddDays(2),
        });

        page.TotalCount.Should().Be(2);
        page.Items.Select(e => e.AllocationId).Should().Equal(
            "2026-11-22/PRJ-A/03-200/r1",
            "2026-11-21/PRJ-A/03-200/r1");
        page.Items.Should().OnlyContain(e => e.Allocation.Lines.Count == 1 && e.Allocation.Amount > 0);
    }

    [Fact]
    public async Task ListAsync_Paging_WalksAllRowsOnceNewestPeriodFirst()
    {
        await using LedgerDatabase db = await SeededAsync("list_paging");

        var seen = new List<LedgerEntry>();
        for (int offset = 0; ; offset += 3)
        {
            AllocationPage page = await db.Store.ListAsync(new AllocationQuery { Offset = offset, Limit = 3 });
            page.TotalCount.Should().Be(8);
            if (page.Items.Count == 0)
            {
                break;
            }

            seen.AddRange(page.Items);
        }

        seen.Select(e => e.AllocationId).Should().OnlyHaveUniqueItems().And.HaveCount(8);
        seen.Select(e => e.Allocation.Period).Should().BeInDescendingOrder();
    }

    [Fact]
    public async Task ListAsync_ByCostCodeAndStatus_FindsTheApprovedOne()
    {
        await using LedgerDatabase db = await SeededAsync("list_status");

        AllocationPage page = await db.Store.ListAsync(new AllocationQuery { Status = AllocationStatus.Approved, CostCode = "03-200" });

        page.Items.Should().ContainSingle().Which.AllocationId.Should().Be("2026-11-20/PRJ-A/03-200/r1");
    }

    [Fact]
    public async Task ListPostableAsync_MixedStatuses_ReturnsApprovedAndPostFailedOnly()
    {
        await using LedgerDatabase db = await SeededAsync("postable");
        await db.Store.ApproveAsync("2026-11-21/PRJ-A/03-200/r1", "jane");
        await db.Store.MarkPostFailedAsync("2026-11-21/PRJ-A/03-200/r1", "boom");

        IReadOnlyList<LedgerEntry> postable = await db.Store.ListPostableAsync();

        postable.Select(e => (e.AllocationId, e.Status)).Should().Equal(
            ("2026-11-20/PRJ-A/03-200/r1", AllocationStatus.Approved),
            ("2026-11-21/PRJ-A/03-200/r1", AllocationStatus.PostFailed));
    }

    [Fact]
    public async Task GetAsync_UnknownId_ReturnsNull()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("get_unknown");

        (await db.Store.GetAsync("2026-11-20/X/Y/r1")).Should().BeNull();
        (await db.Store.GetAuditAsync("2026-11-20/X/Y/r1")).Should().BeEmpty();
    }

    // 4 days × PRJ-A/03-200, 4 days × PRJ-B/07-100; the first of PRJ-A approved, the first of PRJ-B rejected.
    private async Task<LedgerDatabase> SeededAsync(string prefix)
    {
        LedgerDatabase db = await fixture.CreateLedgerAsync(prefix);
        var allocations = new List<Allocation>();
        for (int d = 0; d < 4; d++)
        {
            allocations.Add(Samples.Allocation(project: "PRJ-A", costCode: "03-200", period: s_day.AddDays(d)));
            allocations.Add(Samples.Allocation(project: "PRJ-B", costCode: "07-100", period: s_day.AddDays(d)));
        }

        await db.Store.StageAsync(allocations);
        await db.Store.ApproveAsync("2026-11-20/PRJ-A/03-200/r1", "jane");
        await db.Store.RejectAsync("2026-11-20/PRJ-B/07-100/r1", "jane", "not ours");
        return db;
    }
}

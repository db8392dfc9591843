using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Odoo.Posting;

namespace TelemetryPipeline.Finance.Tests;

[Collection(FinanceCollection.Name)]
public sealed class PostingTests(FinanceFixture fixture)
{
    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_ApprovedAllocations_PostedWithOdooRefs(string protocol)
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "post");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await SettleDaysAsync(world, 2);
        IReadOnlyList<Allocation> staged = await world.AllAsync();
        Allocation approved = staged[0];
        Allocation pending = staged[1];
        (await world.Ledger.ApproveAsync(approved.AllocationId, "alice@finance", "ok")).Succeeded.Should().BeTrue();

        AllocationPostingSummary summary = await odoo.Posting(world.Ledger, odoo.Options(protocol)).PostAsync(CancellationToken.None);

        summary.Failed.Should().BeEmpty();
        summary.ExitCode.Should().Be(0);
        PostedAllocation posted = summary.Posted.Should().ContainSingle().Subject;
        posted.AllocationId.Should().Be(approved.AllocationId);
        IReadOnlyList<JsonObject> records = odoo.Emulator.Records(OdooSide.Lines);
        records.Should().HaveCount(2, "one analytic line per equipment line");
        posted.OdooRefs.Should().Be("account.analytic.line:" + string.Join(",", records.Select(r => r["id"]!.GetValue<long>())));

        LedgerEntry entry = (await world.Ledger.GetAsync(approved.AllocationId))!;
        entry.Status.Should().Be(AllocationStatus.Posted);
        entry.OdooRefs.Should().Be(posted.OdooRefs);
        entry.PostAttempts.Should().Be(1);
        (await world.Ledger.GetAuditAsync(approved.AllocationId)).Select(a => (a.Actor, a.FromStatus, a.ToStatus)).Should().Equal(
            ("settlement", (AllocationStatus?)null, AllocationStatus.Pending),
            ("alice@finance", AllocationStatus.Pending, AllocationStatus.Approved),
            (LedgerStore.PostingActor, AllocationStatus.Approved, AllocationStatus.Posted));
        (await world.Ledger.GetAsync(pending.AllocationId))!.Status.Should().Be(AllocationStatus.Pending, "only approved allocations are posted");

        // EX-A 1 h × 100.00 and EX-B 1 h × 80.00; a cost is a negative analytic amount.
        foreach (AllocationLine line in approved.Lines)
        {
            JsonObject record = records.Single(r => r["ref"]!.GetValue<string>() == AllocationIds.LineId(approved.AllocationId, line.EquipmentId));
            record["amount"]!.GetValue<decimal>().Should().Be(-line.Amount);
            record["unit_amount"]!.GetValue<decimal>().Should().Be(1m);
            record["date"]!.GetValue<string>().Should().Be(approved.Period.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        records.Select(r => -r["amount"]!.GetValue<decimal>()).Should().BeEquivalentTo([100.00m, 80.00m]);
    }

    [Fact]
    public async Task PostAsync_OdooFailsMidBatchThenRetried_ExactlyOneOdooRecordPerLine()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "post_midbatch");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await SettleDaysAsync(world, 5);
        await world.ApproveAllAsync();
        // Chunks of 4 records keep allocations whole: [d1 d2] [d3 d4] [d5]. The second create keeps 1 record and fails.
        OdooOptions options = odoo.Options() with { BatchSize = 4, MaxRetries = 0 };
        odoo.Emulator.FailAfterCreates(5);

        AllocationPostingSummary first = await odoo.Posting(world.Ledger, options).PostAsync(CancellationToken.None);

        first.Posted.Should().HaveCount(3);
        first.Failed.Should().HaveCount(2);
        first.ExitCode.Should().Be(1);
        odoo.Emulator.Records(OdooSide.Lines).Should().HaveCount(7, "4 + the 1 kept by the failed call + 2");
        foreach (FailedAllocation failed in first.Failed)
        {
            LedgerEntry entry = (await world.Ledger.GetAsync(failed.AllocationId))!;
            entry.Status.Should().Be(AllocationStatus.PostFailed);
            entry.PostError.Should().Be(failed.Reason);
        }

        AllocationPostingSummary retry = await odoo.Posting(world.Ledger, options).PostAsync(CancellationToken.None);

        retry.Posted.Select(p => p.AllocationId).Should().BeEquivalentTo(first.Failed.Select(f => f.AllocationId));
        retry.Failed.Should().BeEmpty();
        odoo.Emulator.CreateBatchSizes(OdooSide.Lines).Should().Equal([4, 4, 2, 3], "the retry found the record the failed call kept and created only the other 3");
        await AssertExactlyOneRecordPerLineAsync(world, odoo);
        (await world.Ledger.GetAsync(first.Failed[0].AllocationId))!.PostAttempts.Should().Be(2);

        AllocationPostingSummary third = await odoo.Posting(world.Ledger, options).PostAsync(CancellationToken.None);
        third.Considered.Should().Be(0, "nothing is postable any more");
        odoo.Emulator.CreateBatchSizes(OdooSide.Lines).Should().HaveCount(4);
    }

    [Fact]
    public async Task PostAsync_TwoInstancesAtOnce_OneRunsTheOtherSeesTheLockAndNothingDuplicates()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "post_concurrent");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await SettleDaysAsync(world, 4);
        await world.ApproveAllAsync();
        odoo.Emulator.Delay = TimeSpan.FromMilliseconds(100);
        AllocationPostingService a = odoo.Posting(world.Ledger, odoo.Options(), pageSize: 1);
        AllocationPostingService b = odoo.Posting(world.NewLedgerInstance(), odoo.Options(OdooOptions.JsonRpc), pageSize: 1);

        Task<AllocationPostingSummary> running = a.PostAsync(CancellationToken.None);
        while (odoo.Emulator.TotalRequests == 0 && !running.IsCompleted)
        {
            await Task.Delay(10);
        }

        AllocationPostingSummary blocked = await b.PostAsync(CancellationToken.None);
        AllocationPostingSummary done = await running;

        blocked.NotRunReason.Should().Be(AllocationPostingSummary.LockHeldMessage);
        blocked.ExitCode.Should().Be(75);
        done.Posted.Should().HaveCount(4);
        await AssertExactlyOneRecordPerLineAsync(world, odoo);

        odoo.Emulator.Delay = TimeSpan.Zero;
        AllocationPostingSummary[] again = await Task.WhenAll(a.PostAsync(CancellationToken.None), b.PostAsync(CancellationToken.None));
        again.Should().AllSatisfy(s => s.Posted.Should().BeEmpty());
        await AssertExactlyOneRecordPerLineAsync(world, odoo);
    }

    [Fact]
    public async Task PostAsync_OdooRefusesOneAllocation_OnlyItFailsWithOdoosMessageAndARetryPostsIt()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "post_refused");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await SettleDaysAsync(world, 3);
        await world.ApproveAllAsync();
        string refused = (await world.AllAsync())[1].AllocationId;
        odoo.Emulator.RejectRecordsWhere(
            (_, values) => values["ref"]?.GetValue<string>().StartsWith(refused, StringComparison.Ordinal) == true,
            "You cannot add entries prior to and inclusive of the lock date 11/19/2026.");

        AllocationPostingSummary first = await odoo.Posting(world.Ledger, odoo.Options()).PostAsync(CancellationToken.None);

        first.Posted.Should().HaveCount(2);
        FailedAllocation failed = first.Failed.Should().ContainSingle().Subject;
        failed.AllocationId.Should().Be(refused);
        failed.Reason.Should().Contain("lock date 11/19/2026");
        (await world.Ledger.GetAsync(refused))!.PostError.Should().Contain("lock date 11/19/2026");
        (await world.Ledger.ListPostableAsync()).Should().ContainSingle().Which.Status.Should().Be(AllocationStatus.PostFailed);
        first.Summary.Should().Contain("failed  " + refused);

        odoo.Emulator.RejectRecordsWhere(null);
        AllocationPostingSummary retry = await odoo.Posting(world.Ledger, odoo.Options()).PostAsync(CancellationToken.None);

        retry.Posted.Should().ContainSingle().Which.AllocationId.Should().Be(refused);
        await AssertExactlyOneRecordPerLineAsync(world, odoo);
    }

    /// <summary>EX-A (100.00/h) and EX-B (80.00/h) on PRJ-1 / 03-200, 1 h each on <paramref name="days"/> days from the 16th: one allocation per day.</summary>
    internal static async Task SettleDaysAsync(FinanceWorld world, int days)
    {
        await world.UpsertAsync(
            assignments: [Md.Assign("EX-A", "PRJ-1", "03-200"), Md.Assign("EX-B", "PRJ-1", "03-200")],
            rates: [Md.Rate("EX-A", 100.00m), Md.Rate("EX-B", 80.00m)]);
        var events = new List<NormalizedEvent>();
        for (int i = 0; i < days; i++)
        {
            string day = (16 + i).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
            events.Add(Ev.Op("canonical:EX-A", "a" + day, $"2026-11-{day}T08:00Z", $"2026-11-{day}T09:00Z"));
            events.Add(Ev.Op("canonical:EX-B", "b" + day, $"2026-11-{day}T08:00Z", $"2026-11-{day}T09:00Z"));
        }

        await world.ApplyAsync([.. events]);
        (await world.SettleAsync("2026-11-25T12:00Z")).AllocationsStaged.Should().Be(days);
    }

    internal static async Task AssertExactlyOneRecordPerLineAsync(FinanceWorld world, OdooSide odoo)
    {
        IReadOnlyList<Allocation> allocations = await world.AllAsync();
        allocations.Should().AllSatisfy(a => a.Status.Should().Be(AllocationStatus.Posted));
        var expected = allocations.SelectMany(a => a.Lines.Select(l => AllocationIds.LineId(a.AllocationId, l.EquipmentId))).ToList();
        Dictionary<string, int> counts = odoo.LineCountsByRef();
        counts.Keys.Should().BeEquivalentTo(expected);
        counts.Values.Should().AllSatisfy(c => c.Should().Be(1));
    }
}

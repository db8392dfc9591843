using System.Diagnostics;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Ledger;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// Odoo misbehaving while the host's <c>post</c> verb runs as a process. The library-level cases (mid-batch failure,
/// refused record, breaker, timeouts) are in Odoo.Tests and Finance.Tests; these add what only a process shows: the exit
/// code, what an operator sees afterwards (<c>allocations list --status post_failed</c>), the next scheduled run
/// recovering, and the process dying between Odoo's commit and the ledger's.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class OdooPostingFaultTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private const string CreateKey = "account.analytic.line.create";

    [Fact]
    public async Task Post_OdooDownThenBack_EachAllocationFailsVisiblyThenTheNextRunPostsEverythingOnce()
    {
        await using FinanceSide finance = await FinanceSide.CreateAsync(fixture, "odoo_outage", count: 6);
        finance.Odoo.FailNextRequests(100_000, statusCode: 503);

        int? outage = await RunAsync(finance, ["post"]);
        outage.Should().Be(1, "allocations that could not be posted make the run fail");
        finance.Odoo.Records(FinanceSide.Lines).Should().BeEmpty();
        await using (LedgerStore ledger = finance.NewLedger())
        {
            foreach (Allocation allocation in finance.Allocations)
            {
                LedgerEntry entry = (await ledger.GetAsync(allocation.AllocationId))!;
                entry.Status.Should().Be(AllocationStatus.PostFailed, allocation.AllocationId);
                entry.PostError.Should().NotBeNullOrWhiteSpace("the reason is kept per allocation");
            }
        }

        // What an operator sees: every failed allocation, from the CLI (CSV: one row per line, status per allocation).
        await using (HostProcess list = HostProcess.Start(
            "export", ["allocations", "export", "--format", "csv", "--status", "post_failed"], finance.Settings()))
        {
            (await list.WaitForExitAsync(TimeSpan.FromMinutes(1))).Should().Be(0, list.Tail());
            List<string> rows = [.. list.Lines.Where(l => l.StartsWith("2026-11-20/", StringComparison.Ordinal))];
            rows.Select(r => r.Split(',')[0]).Distinct().Should().BeEquivalentTo(finance.Allocations.Select(a => a.AllocationId));
            rows.Should().OnlyContain(r => r.Split(',')[6] == "post_failed");
        }

        finance.Odoo.ResetFaults();
        finance.Odoo.FailNextRequests(0);
        int? recovered = await RunAsync(finance, ["post"]);
        recovered.Should().Be(0);
        finance.AssertExactlyOneOdooLinePerAllocationLine();
        await finance.AssertPostedWithUnbrokenAuditTrailsAsync();
    }

    [Fact]
    public async Task Post_500sSlowAnswersAndConnectionResets_NoDuplicateInOdooAndAllPostedByTheNextRun()
    {
        await using FinanceSide finance = await FinanceSide.CreateAsync(fixture, "odoo_flaky", count: 10);
        Dictionary<string, string> settings = finance.Settings(new Dictionary<string, string> { ["TP__Odoo__BatchSize"] = "4" });

        // The first two requests are answered after the client gave up (2 s); then two create calls answer 500
        // unprocessed, and two more are processed and committed but their connection is reset before the answer.
        // The breaker stays out of the way (it has its own tests): this is about retries and lost answers.
        settings["TP__Odoo__BreakerMinimumThroughput"] = "1000";
        finance.Odoo.FailNextRequests(2, statusCode: 500, requestKey: CreateKey);
        finance.Odoo.DropConnections(2, afterProcessing: true, requestKey: CreateKey);
        finance.Odoo.ResponseDelay = TimeSpan.FromSeconds(3);
        using var stop = new CancellationTokenSource();
        Task speedUp = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && finance.Odoo.TotalRequests < 2)
            {
                await Task.Delay(20);
            }

            finance.Odoo.ResponseDelay = TimeSpan.Zero;
        });

        int? first = await RunAsync(finance, ["post"], settings);
        await stop.CancelAsync();
        await speedUp;
        output.WriteLine($"first run exit {first}; Odoo saw {finance.Odoo.RequestCount(CreateKey)} create calls of sizes " +
            string.Join(",", finance.Odoo.CreateBatchSizes(FinanceSide.Lines)));
        finance.Odoo.CreateBatchSizes(FinanceSide.Lines).Should().HaveCountGreaterThanOrEqualTo(4, "the 500s and the resets must have been met");
        finance.OdooLinesByRef().Where(p => p.Value > 1).Should().BeEmpty("a lost answer must not turn into a second record");

        await using (LedgerStore ledger = finance.NewLedger())
        {
            foreach (Allocation allocation in finance.Allocations)
            {
                LedgerEntry entry = (await ledger.GetAsync(allocation.AllocationId))!;
                entry.Status.Should().BeOneOf(AllocationStatus.Posted, AllocationStatus.PostFailed);
                if (entry.Status == AllocationStatus.PostFailed)
                {
                    entry.PostError.Should().NotBeNullOrWhiteSpace();
                }
            }
        }

        finance.Odoo.ResetFaults();
        int? second = await RunAsync(finance, ["post"], settings);
        second.Should().Be(0);
        finance.AssertExactlyOneOdooLinePerAllocationLine();
        await finance.AssertPostedWithUnbrokenAuditTrailsAsync();
    }

    [Fact]
    public async Task Post_ProcessKilledWhileOdooCommitsAndLedgerDoesNot_RerunPostsTheRestWithoutDuplicates()
    {
        await using FinanceSide finance = await FinanceSide.CreateAsync(fixture, "odoo_killed", count: 16);
        Dictionary<string, string> settings = finance.Settings(new Dictionary<string, string> { ["TP__Odoo__BatchSize"] = "2" });

        // Each create is committed in Odoo, then its answer takes 400 ms: a kill then falls between Odoo's commit and
        // the ledger's "posted".
        finance.Odoo.ResponseDelay = TimeSpan.FromMilliseconds(400);
        await using (HostProcess post = HostProcess.Start("post", ["post"], settings))
        {
            var wait = Stopwatch.StartNew();
            while (finance.Odoo.RequestCount(CreateKey) < 3 && wait.Elapsed < TimeSpan.FromSeconds(60) && !post.HasExited)
            {
                await Task.Delay(10);
            }

            await Task.Delay(150);
            post.HasExited.Should().BeFalse(post.Tail());
            post.Kill();
            await post.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        int inOdoo = finance.Odoo.Records(FinanceSide.Lines).Count;
        await using (LedgerStore ledger = finance.NewLedger())
        {
            int markedPosted = 0;
            foreach (Allocation allocation in finance.Allocations)
            {
                markedPosted += (await ledger.GetAsync(allocation.AllocationId))!.Status == AllocationStatus.Posted ? 1 : 0;
            }

            output.WriteLine($"killed with {inOdoo} lines in Odoo and {markedPosted} allocations marked posted in the ledger");
            inOdoo.Should().BeGreaterThan(markedPosted * 2, "the kill must leave lines in Odoo that the ledger does not know as posted");
        }

        finance.Odoo.ResetFaults();
        (await RunAsync(finance, ["post"], settings)).Should().Be(0);
        finance.AssertExactlyOneOdooLinePerAllocationLine();
        await finance.AssertPostedWithUnbrokenAuditTrailsAsync();
    }

    private async Task<int?> RunAsync(FinanceSide finance, string[] arguments, Dictionary<string, string>? settings = null)
    {
        await using HostProcess host = HostProcess.Start(arguments[0], arguments, settings ?? finance.Settings());
        int? exit = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"{string.Join(' ', arguments)} -> exit {exit}:\n{host.Tail(12)}");
        exit.Should().NotBeNull($"{arguments[0]} must finish in time;\n{host.Tail()}");
        return exit;
    }
}

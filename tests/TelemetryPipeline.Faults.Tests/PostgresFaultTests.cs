using System.Diagnostics;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Ledger;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// PostgreSQL (the ledger) crashing and coming back (<c>pg_ctl stop -m immediate</c>, then start) while the host's
/// <c>allocations approve</c> and <c>post</c> processes work: no audit row lost or doubled, nothing posted twice.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class PostgresFaultTests(FaultsFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Approve_PostgresRestartedWhileApprovalsRun_EachAllocationApprovedAndAuditedExactlyOnce()
    {
        await using FinanceSide finance = await FinanceSide.CreateAsync(fixture, "pg_approve", count: 8, approve: false);
        Dictionary<string, string> settings = finance.Settings();

        // Restarts in the background while approvals run one process after another.
        using var stop = new CancellationTokenSource();
        int restarts = 0;
        Task restarting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && restarts < 2)
            {
                await Task.Delay(TimeSpan.FromSeconds(2.5));
                await finance.Postgres.RestartAsync();
                restarts++;
            }
        });

        var attempts = new Dictionary<string, List<int?>>(StringComparer.Ordinal);
        foreach (Allocation allocation in finance.Allocations)
        {
            attempts[allocation.AllocationId] = [];
            for (int attempt = 1; attempt <= 4; attempt++)
            {
                await using HostProcess approve = HostProcess.Start(
                    "approve", ["allocations", "approve", allocation.AllocationId, "--as", FinanceSide.Approver, "--comment", "checked"], settings);
                int? exit = await approve.WaitForExitAsync(TimeSpan.FromMinutes(1));
                attempts[allocation.AllocationId].Add(exit);
                if (exit == 0)
                {
                    break;
                }

                // A failed attempt says why in one line. When its outcome was unknown (the commit went through, the answer
                // did not), the ledger already has the approval and finance would see it there: no second attempt.
                approve.Lines.Should().Contain(l => l.StartsWith("error:", StringComparison.Ordinal), approve.Tail());
                output.WriteLine($"approve {allocation.AllocationId} attempt {attempt}: exit {exit}: {approve.Lines.First(l => l.StartsWith("error:", StringComparison.Ordinal))}");
                await using LedgerStore check = finance.NewLedger();
                if ((await check.GetAsync(allocation.AllocationId))?.Status == AllocationStatus.Approved)
                {
                    break;
                }
            }
        }

        await stop.CancelAsync();
        await restarting;
        output.WriteLine($"{restarts} restarts; exit codes per allocation: " + string.Join("; ", attempts.Select(p => $"{p.Key[^6..]}: {string.Join(",", p.Value)}")));
        restarts.Should().BeGreaterThan(0, "the restarts must overlap the approvals");

        await using LedgerStore ledger = finance.NewLedger();
        foreach (Allocation allocation in finance.Allocations)
        {
            LedgerEntry entry = (await ledger.GetAsync(allocation.AllocationId))!;
            entry.Status.Should().Be(AllocationStatus.Approved, allocation.AllocationId);
            IReadOnlyList<AuditEntry> audit = await ledger.GetAuditAsync(allocation.AllocationId);
            FinanceSide.AssertUnbrokenChain(allocation.AllocationId, audit, AllocationStatus.Approved);
            audit.Should().HaveCount(2, "staged, approved: one row each");
            audit[1].Actor.Should().Be(FinanceSide.Approver);
            audit[1].Comment.Should().Be("checked");
        }
    }

    [Fact]
    public async Task Post_PostgresRestartedDuringPosting_NothingPostedTwiceAndNoAuditRowLost()
    {
        await using FinanceSide finance = await FinanceSide.CreateAsync(fixture, "pg_post", count: 16);
        Dictionary<string, string> settings = finance.Settings(new Dictionary<string, string> { ["TP__Odoo__BatchSize"] = "2" });
        finance.Odoo.Delay = TimeSpan.FromMilliseconds(150);

        var exits = new List<int?>();
        await using (HostProcess post = HostProcess.Start("post", ["post"], settings))
        {
            var wait = Stopwatch.StartNew();
            while (finance.Odoo.RequestCount("account.analytic.line.create") < 2 && wait.Elapsed < TimeSpan.FromSeconds(60) && !post.HasExited)
            {
                await Task.Delay(10);
            }

            post.HasExited.Should().BeFalse(post.Tail());
            await finance.Postgres.RestartAsync();
            output.WriteLine($"PostgreSQL restarted after {finance.Odoo.RequestCount("account.analytic.line.create")} create calls");
            exits.Add(await post.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            output.WriteLine(post.Tail(15));
        }

        // The next scheduled runs finish the job (bounded: a run that still fails says why).
        finance.Odoo.Delay = TimeSpan.Zero;
        for (int run = 0; run < 3 && exits[^1] != 0; run++)
        {
            await using HostProcess again = HostProcess.Start("post", ["post"], settings);
            exits.Add(await again.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            output.WriteLine(again.Tail(8));
        }

        output.WriteLine($"post exit codes: {string.Join(", ", exits)}");
        exits[^1].Should().Be(0);
        finance.AssertExactlyOneOdooLinePerAllocationLine();
        await finance.AssertPostedWithUnbrokenAuditTrailsAsync();
    }
}

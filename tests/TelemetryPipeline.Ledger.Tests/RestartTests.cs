using System.Diagnostics.Metrics;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class RestartTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Transitions_PostgresRestartsMidWay_ContinueWithNoLostOrDuplicatedAuditRows()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("restart");
        using RetryCounter retries = new();
        // A generous retry budget: a loaded CI machine may take seconds to bring PostgreSQL back.
        await using var store = new LedgerStore(db.DataSource, retryAttempts: 20);
        List<Allocation> allocations = Samples.Many(40);
        await store.StageAsync(allocations);
        var applied = new List<string>();
        var uncertain = new List<string>();

        // Approvals run one after another on the same store while the server crashes and comes back under them.
        var restarted = new TaskCompletionSource();
        Task approvals = Task.Run(async () =>
        {
            for (int i = 0; i < allocations.Count; i++)
            {
                if (i == 10)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await fixture.Server.RestartAsync();
                            restarted.SetResult();
                        }
                        catch (Exception ex)
                        {
                            restarted.SetException(ex);
                        }
                    });
                }
                else if (i is > 10 and < 30)
                {
                    // Spread these over the restart, however long the machine takes to stop and start PostgreSQL.
                    await Task.Delay(20);
                }
                else if (i == 30)
                {
                    // The rest run after the restart, on a pool whose idle connection may have died with the server.
                    await restarted.Task;
                }

                string id = allocations[i].AllocationId;
                try
                {
                    TransitionResult result = await store.ApproveAsync(id, "jane", "batch approval");
                    result.Outcome.Should().Be(TransitionOutcome.Applied);
                    applied.Add(id);
                }
                catch (LedgerException ex) when (ex.OutcomeUnknown)
                {
                    uncertain.Add(id);
                }
            }
        });
        await approvals;
        await restarted.Task;

        // Whatever was in flight during COMMIT is settled by re-reading, as the exception tells the caller to do.
        foreach (string id in uncertain)
        {
            if ((await store.GetAsync(id))!.Status == AllocationStatus.Pending)
            {
                (await store.ApproveAsync(id, "jane", "batch approval")).Succeeded.Should().BeTrue();
            }
        }

        retries.Count.Should().BePositive("the restart broke connections under the approvals");
        applied.Count.Should().BeGreaterThanOrEqualTo(allocations.Count - 1);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocations WHERE status = 'approved'")).Should().Be(allocations.Count);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit WHERE to_status = 'approved'")).Should().Be(allocations.Count);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit WHERE to_status = 'pending'")).Should().Be(allocations.Count);
        foreach (string id in applied)
        {
            (await store.GetAuditAsync(id)).Select(a => a.ToStatus).Should().Equal(AllocationStatus.Pending, AllocationStatus.Approved);
        }
    }

    [Fact]
    public async Task StageAsync_AfterRestartWithStalePool_StagesOnFreshConnections()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("restart_stage");
        await db.Store.StageAsync(Samples.Many(5));
        using RetryCounter retries = new();

        await fixture.Server.RestartAsync();
        int staged = await db.Store.StageAsync(Samples.Many(8));

        staged.Should().Be(3);
        retries.Count.Should().BePositive("the pooled connection died with the server");
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit")).Should().Be(8);
    }

    [Fact]
    public async Task ApproveAsync_ServerDownLongerThanRetries_FailsRetriablyAndAppliesNothing()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("restart_down");
        await db.Store.StageAsync([Samples.Allocation()]);
        await using var impatient = new LedgerStore(db.DataSource, retryAttempts: 2);

        await fixture.Server.StopAsync();
        try
        {
            Func<Task> act = () => impatient.ApproveAsync("2026-11-20/PRJ-1001/03-200/r1", "jane");
            (await act.Should().ThrowAsync<LedgerException>()).Which.IsRetriable.Should().BeTrue();
        }
        finally
        {
            await fixture.Server.RestartAsync();
        }

        (await db.Store.GetAsync("2026-11-20/PRJ-1001/03-200/r1"))!.Status.Should().Be(AllocationStatus.Pending);
    }

    /// <summary>Counts <c>ledger.retries</c> while alive.</summary>
    private sealed class RetryCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RetryCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == LedgerMetrics.MeterName && instrument.Name == "ledger.retries")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}

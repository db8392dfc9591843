using Npgsql;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AuditTests(PostgresFixture fixture)
{
    [Theory]
    [InlineData("UPDATE allocation_audit SET actor = 'someone else'")]
    [InlineData("UPDATE allocation_audit SET comment = NULL")]
    [InlineData("DELETE FROM allocation_audit")]
    [InlineData("TRUNCATE allocation_audit")]
    public async Task AuditTable_RewriteOrDelete_IsRefused(string sql)
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("audit_append_only");
        await db.Store.StageAsync([Samples.Allocation()]);
        await db.Store.ApproveAsync("2026-11-20/PRJ-1001/03-200/r1", "jane", "ok");

        Func<Task> act = () => db.ExecuteAsync(sql);

        PostgresException error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be("P0A01");
        error.MessageText.Should().Contain("append-only");
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit WHERE actor = 'jane' AND comment = 'ok'")).Should().Be(1);
    }

    [Fact]
    public async Task ApproveAsync_TwoInstancesAtOnce_ExactlyOneTransitionIsAudited()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("audit_concurrent");
        const string Id = "2026-11-20/PRJ-1001/03-200/r1";
        await db.Store.StageAsync([Samples.Allocation()]);
        LedgerStore first = db.NewInstance();
        LedgerStore second = db.NewInstance();

        // Hold the row so both approvals are inside their transactions, waiting on the same lock, before either proceeds.
        await using NpgsqlConnection blocker = await db.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction tx = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM allocations WHERE allocation_id = $1 FOR UPDATE", blocker, tx))
        {
            lockRow.Parameters.Add(new NpgsqlParameter { Value = Id });
            await lockRow.ExecuteScalarAsync();
        }

        Task<TransitionResult> a = Task.Run(() => first.ApproveAsync(Id, "alice", "approve from the web"));
        Task<TransitionResult> b = Task.Run(() => second.ApproveAsync(Id, "bob", "approve from the CLI"));
        await WaitForLockWaitersAsync(db, 2);
        await tx.CommitAsync();
        TransitionResult[] results = await Task.WhenAll(a, b);

        results.Count(r => r.Outcome == TransitionOutcome.Applied).Should().Be(1);
        TransitionResult loser = results.Single(r => r.Outcome != TransitionOutcome.Applied);
        loser.Outcome.Should().Be(TransitionOutcome.IllegalTransition);
        loser.Status.Should().Be(AllocationStatus.Approved);
        IReadOnlyList<AuditEntry> audit = await db.Store.GetAuditAsync(Id);
        audit.Count(e => e.ToStatus == AllocationStatus.Approved).Should().Be(1);
        audit.Should().HaveCount(2);
    }

    private static async Task WaitForLockWaitersAsync(LedgerDatabase db, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            long waiting = await db.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if (waiting >= expected)
            {
                return;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "both approvals should be waiting on the row lock");
            await Task.Delay(20);
        }
    }
}

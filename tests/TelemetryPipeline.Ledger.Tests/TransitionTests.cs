using Npgsql;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TransitionTests(PostgresFixture fixture)
{
    private const string Id = "2026-11-20/PRJ-1001/03-200/r1";

    [Fact]
    public async Task ApproveAsync_Pending_ApprovesWithOneAuditRow()
    {
        await using LedgerDatabase db = await StagedAsync("approve");

        TransitionResult result = await db.Store.ApproveAsync(Id, "jane.doe@finance", "checked against timesheets");

        result.Outcome.Should().Be(TransitionOutcome.Applied);
        result.Status.Should().Be(AllocationStatus.Approved);
        result.PreviousStatus.Should().Be(AllocationStatus.Pending);
        result.Audit.Should().NotBeNull();
        IReadOnlyList<AuditEntry> audit = await db.Store.GetAuditAsync(Id);
        audit.Should().HaveCount(2);
        audit[1].Should().BeEquivalentTo(result.Audit);
        audit[1].Actor.Should().Be("jane.doe@finance");
        audit[1].ActorKind.Should().Be(ActorKind.Person);
        audit[1].FromStatus.Should().Be(AllocationStatus.Pending);
        audit[1].ToStatus.Should().Be(AllocationStatus.Approved);
        audit[1].Comment.Should().Be("checked against timesheets");
        audit[1].At.Should().BeOnOrAfter(audit[0].At);
        (await db.Store.GetAsync(Id))!.Status.Should().Be(AllocationStatus.Approved);
    }

    [Fact]
    public async Task RejectAsync_WithComment_RejectsAndKeepsTheComment()
    {
        await using LedgerDatabase db = await StagedAsync("reject");

        TransitionResult result = await db.Store.RejectAsync(Id, "jane.doe@finance", "machine was on another site");

        result.Succeeded.Should().BeTrue();
        (await db.Store.GetAsync(Id))!.Status.Should().Be(AllocationStatus.Rejected);
        (await db.Store.GetAuditAsync(Id))[^1].Comment.Should().Be("machine was on another site");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task RejectAsync_WithoutComment_IsRefusedAndChangesNothing(string? comment)
    {
        await using LedgerDatabase db = await StagedAsync("reject_blank");

        TransitionResult result = await db.Store.RejectAsync(Id, "jane.doe@finance", comment!);

        result.Outcome.Should().Be(TransitionOutcome.InvalidRequest);
        result.Message.Should().Contain("comment");
        (await db.Store.GetAsync(Id))!.Status.Should().Be(AllocationStatus.Pending);
        (await db.Store.GetAuditAsync(Id)).Should().ContainSingle();
    }

    [Fact]
    public async Task ApproveAsync_BlankActor_IsRefused()
    {
        await using LedgerDatabase db = await StagedAsync("approve_blank_actor");

        TransitionResult result = await db.Store.ApproveAsync(Id, " ");

        result.Outcome.Should().Be(TransitionOutcome.InvalidRequest);
        (await db.Store.GetAsync(Id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task ApproveAsync_Rejected_IsIllegalAndNamesTheCurrentStatus()
    {
        await using LedgerDatabase db = await StagedAsync("approve_rejected");
        await db.Store.RejectAsync(Id, "jane", "wrong project");

        TransitionResult result = await db.Store.ApproveAsync(Id, "john");

        result.Outcome.Should().Be(TransitionOutcome.IllegalTransition);
        result.Status.Should().Be(AllocationStatus.Rejected);
        result.Message.Should().Contain("is rejected");
        (await db.Store.GetAuditAsync(Id)).Should().HaveCount(2);
    }

    [Fact]
    public async Task MarkPostedAsync_Pending_IsIllegal()
    {
        await using LedgerDatabase db = await StagedAsync("post_pending");

        TransitionResult result = await db.Store.MarkPostedAsync(Id, "account.move:17");

        result.Outcome.Should().Be(TransitionOutcome.IllegalTransition);
        result.Status.Should().Be(AllocationStatus.Pending);
        result.Message.Should().Contain("is pending").And.Contain("approved or rejected");
    }

    [Fact]
    public async Task ApproveAsync_UnknownId_IsNotFound()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("approve_unknown");

        TransitionResult result = await db.Store.ApproveAsync("2026-01-01/NOPE/00/r1", "jane");

        result.Outcome.Should().Be(TransitionOutcome.NotFound);
        result.Status.Should().BeNull();
    }

    [Fact]
    public async Task MarkPostFailedAsync_ThenRetry_EndsPostedWithEveryStepAudited()
    {
        await using LedgerDatabase db = await StagedAsync("post_retry");
        await db.Store.ApproveAsync(Id, "jane");

        TransitionResult failed = await db.Store.MarkPostFailedAsync(Id, "Odoo 503 Service Unavailable");
        LedgerEntry afterFailure = (await db.Store.GetAsync(Id))!;
        TransitionResult failedAgain = await db.Store.MarkPostFailedAsync(Id, "timeout after 30 s");
        TransitionResult posted = await db.Store.MarkPostedAsync(Id, "account.analytic.line:101,102");
        LedgerEntry final = (await db.Store.GetAsync(Id))!;

        failed.Succeeded.Should().BeTrue();
        afterFailure.Status.Should().Be(AllocationStatus.PostFailed);
        afterFailure.PostError.Should().Be("Odoo 503 Service Unavailable");
        failedAgain.PreviousStatus.Should().Be(AllocationStatus.PostFailed);
        posted.PreviousStatus.Should().Be(AllocationStatus.PostFailed);
        final.Status.Should().Be(AllocationStatus.Posted);
        final.OdooRefs.Should().Be("account.analytic.line:101,102");
        final.PostError.Should().BeNull();
        final.PostAttempts.Should().Be(3);
        IReadOnlyList<AuditEntry> audit = await db.Store.GetAuditAsync(Id);
        audit.Select(a => a.ToStatus).Should().Equal(
            AllocationStatus.Pending, AllocationStatus.Approved, AllocationStatus.PostFailed, AllocationStatus.PostFailed, AllocationStatus.Posted);
        audit.Skip(2).Should().OnlyContain(a => a.ActorKind == ActorKind.System && a.Actor == LedgerStore.PostingActor);
        audit[2].Comment.Should().Be("Odoo 503 Service Unavailable");
    }

    [Fact]
    public async Task MarkPostedAsync_AlreadyPosted_IsIllegal()
    {
        await using LedgerDatabase db = await StagedAsync("post_twice");
        await db.Store.ApproveAsync(Id, "jane");
        await db.Store.MarkPostedAsync(Id, "move:1");

        TransitionResult again = await db.Store.MarkPostedAsync(Id, "move:2");

        again.Outcome.Should().Be(TransitionOutcome.IllegalTransition);
        (await db.Store.GetAsync(Id))!.OdooRefs.Should().Be("move:1");
    }

    [Theory]
    [InlineData(AllocationStatus.Pending, AllocationStatus.Approved, true)]
    [InlineData(AllocationStatus.Pending, AllocationStatus.Rejected, true)]
    [InlineData(AllocationStatus.Pending, AllocationStatus.Posted, false)]
    [InlineData(AllocationStatus.Approved, AllocationStatus.Posted, true)]
    [InlineData(AllocationStatus.Approved, AllocationStatus.PostFailed, true)]
    [InlineData(AllocationStatus.Approved, AllocationStatus.Rejected, false)]
    [InlineData(AllocationStatus.PostFailed, AllocationStatus.Posted, true)]
    [InlineData(AllocationStatus.PostFailed, AllocationStatus.PostFailed, true)]
    [InlineData(AllocationStatus.Rejected, AllocationStatus.Approved, false)]
    [InlineData(AllocationStatus.Posted, AllocationStatus.PostFailed, false)]
    [InlineData(AllocationStatus.Approved, AllocationStatus.Approved, false)]
    public void IsLegal_Pair_MatchesTheDocumentedStatuses(AllocationStatus from, AllocationStatus to, bool legal) =>
        LedgerTransitions.IsLegal(from, to).Should().Be(legal);

    [Fact]
    public async Task Database_IllegalStatusUpdateBypassingTheStore_IsRefused()
    {
        await using LedgerDatabase db = await StagedAsync("db_guard_status");

        Func<Task> act = () => db.ExecuteAsync("UPDATE allocations SET status = 'posted' WHERE allocation_id = $1", Id);

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("P0A03");
    }

    [Theory]
    [InlineData("UPDATE allocations SET amount = amount + 1")]
    [InlineData("DELETE FROM allocations")]
    [InlineData("UPDATE allocation_lines SET operating_amount = 0")]
    [InlineData("DELETE FROM allocation_lines")]
    public async Task Database_RewritingStagedNumbers_IsRefused(string sql)
    {
        await using LedgerDatabase db = await StagedAsync("db_guard_numbers");

        Func<Task> act = () => db.ExecuteAsync(sql);

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("P0A02");
        (await db.ScalarAsync<decimal>("SELECT sum(amount) FROM allocations")).Should().Be(1076.00m);
    }

    private async Task<LedgerDatabase> StagedAsync(string prefix)
    {
        LedgerDatabase db = await fixture.CreateLedgerAsync(prefix);
        await db.Store.StageAsync([Samples.Allocation()]);
        return db;
    }
}

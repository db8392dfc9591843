using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AutoApprovalTests(PostgresFixture fixture)
{
    private static readonly AutoApprovalPolicy s_smallRevisions = new() { Enabled = true, MaxAbsoluteAmount = 100m, RevisionsOnly = true };

    [Fact]
    public async Task StageAsync_SmallRevision_IsApprovedByThePolicyOnRecord()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("auto_small", s_smallRevisions);
        Allocation revision = Samples.Allocation(revision: 2, amount: -40.00m);

        await db.Store.StageAsync([Samples.Allocation(), revision]);

        (await db.Store.GetAsync(revision.AllocationId))!.Status.Should().Be(AllocationStatus.Approved);
        IReadOnlyList<AuditEntry> audit = await db.Store.GetAuditAsync(revision.AllocationId);
        audit.Should().HaveCount(2);
        audit[0].ToStatus.Should().Be(AllocationStatus.Pending);
        audit[0].ActorKind.Should().Be(ActorKind.System);
        audit[1].Actor.Should().Be("policy:auto-approve(100.00)");
        audit[1].ActorKind.Should().Be(ActorKind.Policy);
        audit[1].FromStatus.Should().Be(AllocationStatus.Pending);
        audit[1].ToStatus.Should().Be(AllocationStatus.Approved);
        audit[1].Comment.Should().Contain("40.00");
        audit[1].Id.Should().BeGreaterThan(audit[0].Id);
    }

    [Fact]
    public async Task StageAsync_FirstRevisionOrLargeAmount_StaysPendingForFinance()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("auto_large", s_smallRevisions);
        Allocation first = Samples.Allocation(amount: 50.00m);
        Allocation large = Samples.Allocation(revision: 2, amount: -100.01m);

        await db.Store.StageAsync([first, large]);

        (await db.Store.GetAsync(first.AllocationId))!.Status.Should().Be(AllocationStatus.Pending);
        (await db.Store.GetAsync(large.AllocationId))!.Status.Should().Be(AllocationStatus.Pending);
        (await db.ScalarAsync<long>("SELECT count(*) FROM allocation_audit WHERE actor_kind = 'policy'")).Should().Be(0);
    }

    [Fact]
    public async Task StageAsync_DefaultPolicy_ApprovesNothing()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("auto_default");

        await db.Store.StageAsync([Samples.Allocation(revision: 2, amount: 0.01m)]);

        (await db.ScalarAsync<long>("SELECT count(*) FROM allocations WHERE status = 'pending'")).Should().Be(1);
    }

    [Theory]
    [InlineData(false, 100, true, 2, 10, false)]
    [InlineData(true, 100, true, 1, 10, false)]
    [InlineData(true, 100, false, 1, 10, true)]
    [InlineData(true, 100, true, 2, -100, true)]
    [InlineData(true, 100, true, 2, 100.01, false)]
    [InlineData(true, 0, true, 2, 0, true)]
    public void Applies_Policy_ApprovesOnlyWithinItsLimits(bool enabled, double max, bool revisionsOnly, int revision, double amount, bool expected)
    {
        var policy = new AutoApprovalPolicy { Enabled = enabled, MaxAbsoluteAmount = (decimal)max, RevisionsOnly = revisionsOnly };

        policy.Applies(Samples.Allocation(revision: revision, amount: (decimal)amount)).Should().Be(expected);
    }
}

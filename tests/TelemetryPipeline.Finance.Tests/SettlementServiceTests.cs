using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Finance.Tests;

[Collection(FinanceCollection.Name)]
public sealed class SettlementServiceTests(FinanceFixture fixture)
{
    private const string Now = "2026-11-25T12:00Z";

    [Fact]
    public async Task RunOnceAsync_Twice_StagesNothingTheSecondTimeAndRecordsBothRuns()
    {
        await using FinanceWorld world = await SeededAsync("twice");
        SettlementService service = world.Service();

        SettlementServiceResult first = await service.RunOnceAsync(T.At(Now), CancellationToken.None);
        SettlementServiceResult second = await service.RunOnceAsync(T.At(Now), CancellationToken.None);

        first.Outcome.Should().Be(SettlementRunOutcome.Settled);
        first.Report!.AllocationsStaged.Should().Be(3);
        first.ExitCode.Should().Be(0);
        second.Outcome.Should().Be(SettlementRunOutcome.Settled, "the lease was released after the first run");
        second.Report!.AllocationsPlanned.Should().Be(0);
        second.Report.AllocationsStaged.Should().Be(0);
        (await world.AllAsync()).Should().HaveCount(3);

        IReadOnlyList<SettlementRunRecord> runs = await world.Ledger.ListSettlementRunsAsync();
        runs.Select(r => (r.Id, r.Staged, r.Exceptions, r.Instance, r.NowUsed)).Should().Equal(
            (second.RunId!.Value, 0, 1, "test-1", T.At(Now)),
            (first.RunId!.Value, 3, 1, "test-1", T.At(Now)));
        (await world.ScalarAsync<long>("SELECT run_id FROM settlement_exceptions")).Should().Be(second.RunId.Value, "the exception list names the run that produced it");
        first.Summary.Should().Contain("staged 3 of 3 planned revisions").And.Contain("no_assignment 1");
    }

    [Fact]
    public async Task RunOnceAsync_TwoInstancesRacing_OneSettlesTheOtherReportsLeaseHeld()
    {
        await using FinanceWorld world = await SeededAsync("race");
        var gated = new GatedStore(world.Redis);
        SettlementService first = world.Service(store: gated, instance: "instance-a");
        SettlementService second = world.Service(instance: "instance-b");

        Task<SettlementServiceResult> running = first.RunOnceAsync(T.At(Now), CancellationToken.None);
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        SettlementServiceResult blocked = await second.RunOnceAsync(T.At(Now), CancellationToken.None);
        gated.Release.SetResult();
        SettlementServiceResult settled = await running;

        blocked.Outcome.Should().Be(SettlementRunOutcome.LeaseHeld);
        blocked.Message.Should().Be("lease held by another instance");
        blocked.ExitCode.Should().Be(75);
        blocked.Report.Should().BeNull();
        settled.Outcome.Should().Be(SettlementRunOutcome.Settled);
        settled.Report!.AllocationsStaged.Should().Be(3);
        (await world.AllAsync()).Should().HaveCount(3);
        (await world.Ledger.ListSettlementRunsAsync()).Should().ContainSingle().Which.Instance.Should().Be("instance-a");
    }

    [Fact]
    public async Task RunOnceAsync_LeaseTakenOverMidRun_FinishesReportsLeaseLostAndLeavesTheNewHolderAlone()
    {
        await using FinanceWorld world = await SeededAsync("lease_lost");
        var gated = new GatedStore(world.Redis);
        var renewed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        ISettlementLeaseProvider lease = SettlementLeases.From(
            (duration, ct) => world.Redis.TryAcquireLeaseAsync(SettlementService.LeaseName, duration, ct),
            async (held, ct) =>
            {
                bool ok = await held.RenewAsync(ct);
                renewed.TrySetResult(ok);
                return ok;
            });
        SettlementService service = world.Service(store: gated, lease: lease, leaseDuration: SettlementServiceOptions.MinLeaseDuration);
        string key = world.Redis.Keys.Lease(SettlementService.LeaseName);

        Task<SettlementServiceResult> running = service.RunOnceAsync(T.At(Now), CancellationToken.None);
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // As if this instance had stalled past its lease and another one took it.
        (await fixture.Redis.CommandAsync($"SET {key} other-holder PX 60000")).Should().Be("OK");
        (await renewed.Task.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeFalse("the lease now holds another token");
        gated.Release.SetResult();
        SettlementServiceResult result = await running;

        result.Outcome.Should().Be(SettlementRunOutcome.Settled, "settlement is idempotent, so a run that lost its lease still completes");
        result.LeaseLost.Should().BeTrue();
        result.Report!.AllocationsStaged.Should().Be(3);
        (await fixture.Redis.CommandAsync($"GET {key}")).Should().Be("other-holder", "releasing never deletes another holder's lease");
        world.Logs.Lines.Should().Contain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("lease was lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunOnceAsync_TwoInstancesWithoutLease_StageEachAllocationOnce()
    {
        await using FinanceWorld world = await SeededAsync("unleased");
        SettlementService a = world.Service(withLease: false, instance: "a");
        SettlementService b = new(
            world.Redis, new PostgresMasterDataStore(world.NewLedgerInstance(), world.Settlement), world.NewLedgerInstance(), world.Settlement);

        SettlementServiceResult[] results = await Task.WhenAll(
            a.RunOnceAsync(T.At(Now), CancellationToken.None), b.RunOnceAsync(T.At(Now), CancellationToken.None));

        results.Should().AllSatisfy(r => r.Outcome.Should().Be(SettlementRunOutcome.Settled));
        results.Sum(r => r.Report!.AllocationsStaged).Should().Be(3, "deterministic ids: whichever stages an allocation first, the other skips it");
        (await world.AllAsync()).Should().HaveCount(3);
        (await world.ScalarAsync<long>("SELECT count(*) FROM allocation_audit")).Should().Be(3);
    }

    [Fact]
    public async Task RunOnceAsync_MasterDataUnavailable_ReportsFailureRecordsItAndReleasesTheLease()
    {
        await using FinanceWorld world = await SeededAsync("failure");
        SettlementService broken = world.Service(masterData: new FailingMasterData());

        SettlementServiceResult failed = await broken.RunOnceAsync(T.At(Now), CancellationToken.None);

        failed.Outcome.Should().Be(SettlementRunOutcome.Failed);
        failed.ExitCode.Should().Be(1);
        failed.Message.Should().Contain("master data is unavailable");
        failed.Error.Should().BeOfType<InvalidOperationException>();
        SettlementRunError recorded = (await world.Ledger.ListFailedSettlementRunsAsync()).Should().ContainSingle().Subject;
        recorded.RunId.Should().Be(failed.RunId);
        recorded.Error.Should().Contain("master data is unavailable");
        recorded.NowUsed.Should().Be(T.At(Now));
        (await world.AllAsync()).Should().BeEmpty();
        world.Logs.Lines.Should().Contain(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("master data is unavailable", StringComparison.Ordinal));

        SettlementServiceResult next = await world.Service().RunOnceAsync(T.At(Now), CancellationToken.None);
        next.Outcome.Should().Be(SettlementRunOutcome.Settled, "the failed run released its lease");
        next.Report!.AllocationsStaged.Should().Be(3);
    }

    [Fact]
    public async Task RunOnceAsync_Cancelled_ThrowsAndRecordsNothing()
    {
        await using FinanceWorld world = await SeededAsync("cancelled");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Func<Task> act = () => world.Service().RunOnceAsync(T.At(Now), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await world.ScalarAsync<long>("SELECT count(*) FROM settlement_runs")).Should().Be(0);
    }

    [Fact]
    public void Options_OutOfRange_NameTheKey()
    {
        Action shortLease = () => new SettlementServiceOptions { LeaseDuration = TimeSpan.FromSeconds(1) }.Validate();
        Action noName = () => new SettlementServiceOptions { InstanceName = " " }.Validate();

        shortLease.Should().Throw<LedgerConfigurationException>().Which.Key.Should().Be("SettlementService:LeaseDuration");
        noName.Should().Throw<LedgerConfigurationException>().Which.Key.Should().Be("SettlementService:InstanceName");
    }

    /// <summary>Three allocations (three days of EX-1 on PRJ-1) and one no_assignment exception (EX-9).</summary>
    private async Task<FinanceWorld> SeededAsync(string name)
    {
        FinanceWorld world = await FinanceWorld.CreateAsync(fixture, name);
        await world.UpsertAsync(assignments: [Md.Assign("EX-1", "PRJ-1", "03-200")], rates: [Md.Rate("EX-1", 100.00m)]);
        await world.ApplyAsync(
            Ev.Op("canonical:EX-1", "d18", "2026-11-18T08:00Z", "2026-11-18T09:00Z"),
            Ev.Op("canonical:EX-1", "d19", "2026-11-19T08:00Z", "2026-11-19T09:00Z"),
            Ev.Op("canonical:EX-1", "d20", "2026-11-20T08:00Z", "2026-11-20T09:00Z"),
            Ev.Op("canonical:EX-9", "x20", "2026-11-20T08:00Z", "2026-11-20T09:00Z"));
        return world;
    }

    /// <summary>Holds the first read until released, so a run is provably in progress (holding the lease) meanwhile.</summary>
    private sealed class GatedStore(ITelemetryStore inner) : ITelemetryStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken) =>
            inner.ApplyAsync(events, cancellationToken);

        public async Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return await inner.ReadDayAsync(utcDay, cancellationToken);
        }

        public Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken) =>
            inner.ReadIncidentsAsync(utcDay, cancellationToken);
    }

    private sealed class FailingMasterData : IMasterDataSource
    {
        public Task<MasterDataSnapshot> LoadAsync(CancellationToken cancellationToken) =>
            Task.FromException<MasterDataSnapshot>(new InvalidOperationException("master data is unavailable (test)"));
    }
}

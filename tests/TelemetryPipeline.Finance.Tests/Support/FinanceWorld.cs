using Npgsql;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.TestKit.Logging;

namespace TelemetryPipeline.Finance.Tests.Support;

/// <summary>
/// One test's world: its own ledger database (migrated), master data persisted in it, window state in Redis under its
/// own key prefix (written through the real apply script), and the settlement service over all of it.
/// </summary>
internal sealed class FinanceWorld : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private FinanceWorld(FinanceFixture fixture, string connectionString)
    {
        Fixture = fixture;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Ledger = new LedgerStore(DataSource);
        Redis = new RedisTelemetryStore(fixture.RedisConnection, fixture.RedisOptions());
        MasterData = new PostgresMasterDataStore(Ledger, Settlement);
    }

    public FinanceFixture Fixture { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public LedgerStore Ledger { get; }

    public RedisTelemetryStore Redis { get; }

    public PostgresMasterDataStore MasterData { get; }

    public SettlementOptions Settlement { get; } = Md.Settlement();

    public CapturingLoggerFactory Logs { get; } = new();

    public static async Task<FinanceWorld> CreateAsync(FinanceFixture fixture, string name) =>
        new(fixture, await fixture.CreateLedgerDatabaseAsync(name));

    /// <summary>The Redis settlement lease, adapted as the host adapts it.</summary>
    public ISettlementLeaseProvider Lease() =>
        SettlementLeases.From((duration, ct) => Redis.TryAcquireLeaseAsync(SettlementService.LeaseName, duration, ct), (lease, ct) => lease.RenewAsync(ct));

    /// <summary>A settlement service as one application instance would build it (Redis lease unless told otherwise).</summary>
    public SettlementService Service(
        ITelemetryStore? store = null,
        IMasterDataSource? masterData = null,
        ISettlementLeaseProvider? lease = null,
        bool withLease = true,
        string instance = "test-1",
        TimeSpan? leaseDuration = null) =>
        new(
            store ?? Redis,
            masterData ?? MasterData,
            Ledger,
            Settlement,
            lease ?? (withLease ? Lease() : null),
            new SettlementServiceOptions { InstanceName = instance, LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(30) },
            Logs.For<SettlementService>());

    /// <summary>Settles as of <paramref name="nowIso"/> and insists that it settled.</summary>
    public async Task<SettlementReport> SettleAsync(string nowIso)
    {
        SettlementServiceResult result = await Service().RunOnceAsync(T.At(nowIso), CancellationToken.None);
        result.Outcome.Should().Be(SettlementRunOutcome.Settled, result.Message);
        return result.Report!;
    }

    /// <summary>Applies the events in one atomic batch through the real Redis script.</summary>
    public async Task<EventOutcome[]> ApplyAsync(params NormalizedEvent[] events) =>
        (await Redis.ApplyAsync(events, CancellationToken.None)).Outcomes;

    public Task UpsertAsync(
        IReadOnlyList<EquipmentAlias>? aliases = null, IReadOnlyList<EquipmentAssignment>? assignments = null, IReadOnlyList<EquipmentRate>? rates = null) =>
        MasterData.UpsertAsync(new MasterDataBatch(aliases ?? [], assignments ?? [], rates ?? []), CancellationToken.None);

    public Task<IReadOnlyList<Allocation>> RevisionsAsync(string period, string project, string cost) =>
        Ledger.GetRevisionsAsync(T.Day(period), project, cost);

    /// <summary>Every allocation in the ledger, period order.</summary>
    public Task<IReadOnlyList<Allocation>> AllAsync() => Ledger.GetAllocationsForPeriodsAsync(new DateOnly(2000, 1, 1), new DateOnly(2100, 1, 1));

    public Task<IReadOnlyList<SettlementException>> ExceptionsAsync() => Ledger.ListExceptionsAsync(new ExceptionQuery());

    public async Task<T1> ScalarAsync<T1>(string sql, params object[] parameters)
    {
        await using NpgsqlCommand command = DataSource.CreateCommand(sql);
        foreach (object p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T1)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Approves every pending allocation as finance would.</summary>
    public async Task ApproveAllAsync()
    {
        foreach (Allocation allocation in await AllAsync())
        {
            if (allocation.Status == AllocationStatus.Pending)
            {
                TransitionResult result = await Ledger.ApproveAsync(allocation.AllocationId, "alice@finance", "checked against the site diary");
                result.Succeeded.Should().BeTrue(result.Message);
            }
        }
    }

    /// <summary>Another instance's store over the same database (its own pool).</summary>
    public LedgerStore NewLedgerInstance()
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        _owned.Add(dataSource);
        return new LedgerStore(dataSource);
    }

    public void Own(IAsyncDisposable disposable) => _owned.Add(disposable);

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Ledger.DisposeAsync();
        await DataSource.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

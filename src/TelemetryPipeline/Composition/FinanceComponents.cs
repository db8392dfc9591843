using Microsoft.Extensions.Logging;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Odoo.Posting;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.Verbs;

namespace TelemetryPipeline.Composition;

/// <summary>
/// The finance side wired from configuration: the PostgreSQL ledger (migrated on open), persisted master data, settlement
/// under the Redis lease, and Odoo posting / reconciliation. Verbs ask only for what they use.
/// </summary>
internal sealed class FinanceComponents : IAsyncDisposable
{
    private readonly HttpClient _http = new();
    private readonly ILoggerFactory _loggers;
    private OdooOptions? _odoo;
    private OdooPoster? _poster;

    private FinanceComponents(LedgerStore ledger, SettlementOptions settlement, ILoggerFactory loggers)
    {
        Ledger = ledger;
        SettlementOptions = settlement;
        MasterData = new PostgresMasterDataStore(ledger, settlement);
        _loggers = loggers;
    }

    public LedgerStore Ledger { get; }

    public SettlementOptions SettlementOptions { get; }

    public PostgresMasterDataStore MasterData { get; }

    public RedisTelemetryStore? Store { get; private set; }

    public static async Task<FinanceComponents> OpenAsync(VerbContext context, CancellationToken cancellationToken)
    {
        var ledgerOptions = context.Bind<LedgerOptions>("Ledger");
        var settlement = context.Bind<SettlementOptions>(SettlementOptions.SectionName);
        return await OpenAsync(ledgerOptions, settlement, context.Loggers, cancellationToken);
    }

    public static async Task<FinanceComponents> OpenAsync(
        LedgerOptions ledgerOptions, SettlementOptions settlement, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ledgerOptions.Validate();
        settlement.Validate();
        LedgerStore ledger = LedgerStore.Create(ledgerOptions);
        try
        {
            await ledger.MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await ledger.DisposeAsync();
            throw new ConfigurationException(
                $"The ledger database ({ledgerOptions.RedactedConnectionString}; Ledger:ConnectionString) cannot be opened: {ex.Message}", ex);
        }

        return new FinanceComponents(ledger, settlement, loggers);
    }

    /// <summary>Settlement over the Redis buckets, guarded by the cluster-wide lease.</summary>
    public async Task<SettlementService> SettlementAsync(RedisOptions redis, CancellationToken cancellationToken)
    {
        Store ??= await StateConnection.ConnectWithRetryAsync(redis, _loggers.CreateLogger("TelemetryPipeline.Redis"), cancellationToken);
        RedisTelemetryStore store = Store;
        ISettlementLeaseProvider lease = SettlementLeases.From<RedisLease>(
            (duration, ct) => store.TryAcquireLeaseAsync(SettlementService.LeaseName, duration, ct),
            static (l, ct) => l.RenewAsync(ct));
        return new SettlementService(
            store, MasterData, Ledger, SettlementOptions, lease, logger: _loggers.CreateLogger<SettlementService>());
    }

    public void UseOdoo(OdooOptions options)
    {
        options.Validate();
        _odoo = options;
    }

    /// <summary>The posting service; one poster per process, so its circuit breaker sees every call.</summary>
    public AllocationPostingService Posting()
    {
        OdooOptions options = RequireOdoo();
        _poster ??= new OdooPoster(Client(options), options, _loggers.CreateLogger<OdooPoster>());
        return new AllocationPostingService(Ledger, _poster, options, _loggers.CreateLogger<AllocationPostingService>());
    }

    public LedgerReconciliation Reconciliation()
    {
        OdooOptions options = RequireOdoo();
        return new LedgerReconciliation(Ledger, new OdooReconciler(Client(options), options, _loggers.CreateLogger<OdooReconciler>()));
    }

    public OdooCheck Check()
    {
        OdooOptions options = RequireOdoo();
        return new OdooCheck(Client(options), options, _loggers.CreateLogger<OdooCheck>());
    }

    private IOdooClient Client(OdooOptions options) => OdooClientFactory.Create(_http, options, _loggers);

    private OdooOptions RequireOdoo() =>
        _odoo ?? throw new InvalidOperationException("Odoo is not configured: call UseOdoo first.");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (Store is not null)
        {
            await Store.DisposeAsync();
        }

        await Ledger.DisposeAsync();
    }
}

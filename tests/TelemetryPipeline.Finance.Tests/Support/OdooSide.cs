using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Odoo.Posting;
using TelemetryPipeline.TestKit.Logging;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Finance.Tests.Support;

/// <summary>
/// The Odoo emulator set up like a configured customer database: the projects PRJ-1 and PRJ-CHI in the Project plan,
/// the cost codes 03-200, 03-300 and 03-400 in a "Cost Codes" plan, USD company.
/// </summary>
internal sealed class OdooSide : IAsyncDisposable
{
    public const string Lines = "account.analytic.line";

    private OdooSide(OdooEmulator emulator, CapturingLoggerFactory logs)
    {
        Emulator = emulator;
        Logs = logs;
    }

    public OdooEmulator Emulator { get; }

    public CapturingLoggerFactory Logs { get; }

    public HttpClient Http { get; } = new();

    public long CostPlanId { get; private set; }

    public string CostColumn => OdooEmulator.PlanColumn(CostPlanId);

    public static async Task<OdooSide> StartAsync(CapturingLoggerFactory logs)
    {
        var side = new OdooSide(await OdooEmulator.StartAsync(), logs);
        OdooEmulator e = side.Emulator;
        e.AddAnalyticAccount("PRJ-1 Riverside", "PRJ-1", 1);
        e.AddAnalyticAccount("PRJ-CHI Lakeshore", "PRJ-CHI", 1);
        side.CostPlanId = e.AddAnalyticPlan("Cost Codes");
        e.AddAnalyticAccount("Excavation", "03-200", side.CostPlanId);
        e.AddAnalyticAccount("Hauling", "03-300", side.CostPlanId);
        e.AddAnalyticAccount("Paving", "03-400", side.CostPlanId);
        return side;
    }

    public OdooOptions Options(string protocol = OdooOptions.Json2) => new()
    {
        Url = Emulator.BaseUrl,
        Database = Emulator.Database,
        Protocol = protocol,
        Login = Emulator.Login,
        ApiKey = Emulator.ApiKey,
        CostCodePlanId = CostPlanId,
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(10),
        BreakerMinimumThroughput = 1000,
    };

    /// <summary>A posting service as one application instance would build it (its own client and poster).</summary>
    public AllocationPostingService Posting(LedgerStore ledger, OdooOptions options, int pageSize = AllocationPostingService.DefaultPageSize)
    {
        IOdooClient client = OdooClientFactory.Create(Http, options, Logs);
        var poster = new OdooPoster(client, options, Logs.For<OdooPoster>());
        return new AllocationPostingService(ledger, poster, options, Logs.For<AllocationPostingService>(), pageSize);
    }

    public LedgerReconciliation Reconciliation(LedgerStore ledger, OdooOptions options)
    {
        IOdooClient client = OdooClientFactory.Create(Http, options, Logs);
        return new LedgerReconciliation(ledger, new OdooReconciler(client, options, Logs.For<OdooReconciler>()));
    }

    /// <summary>The analytic lines in Odoo grouped by ref.</summary>
    public Dictionary<string, int> LineCountsByRef() =>
        Emulator.Records(Lines).GroupBy(static r => r["ref"]!.GetValue<string>()).ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

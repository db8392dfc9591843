using System.Globalization;
using TelemetryPipeline.TestKit.Logging;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Odoo.Tests.Support;

/// <summary>
/// An emulator set up like a configured customer database: projects PRJ-1001 and PRJ-1002 in the Project plan,
/// a "Cost Codes" root plan (column x_plan2_id) with 03-200 and 03-300, USD company, MISC journal, expense 600000
/// and recovery 201000 accounts.
/// </summary>
internal sealed class OdooWorld : IAsyncDisposable
{
    public const long ExpenseAccountId = 32;
    public const long RecoveryAccountId = 14;
    public const long MiscJournalId = 3;

    private OdooWorld(OdooEmulator emulator)
    {
        Emulator = emulator;
        Loggers = new CapturingLoggerFactory();
    }

    public OdooEmulator Emulator { get; }

    public HttpClient Http { get; } = new();

    public CapturingLoggerFactory Loggers { get; }

    public long CostPlanId { get; private set; }

    public string CostColumn => OdooEmulator.PlanColumn(CostPlanId);

    public Dictionary<string, long> Projects { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> CostCodes { get; } = new(StringComparer.Ordinal);

    public static async Task<OdooWorld> StartAsync(OdooEmulatorOptions? options = null)
    {
        var world = new OdooWorld(await OdooEmulator.StartAsync(options));
        var emulator = world.Emulator;
        world.Projects["PRJ-1001"] = emulator.AddAnalyticAccount("PRJ-1001 North yard", "PRJ-1001", 1);
        world.Projects["PRJ-1002"] = emulator.AddAnalyticAccount("PRJ-1002 Bridge", "PRJ-1002", 1);
        world.CostPlanId = emulator.AddAnalyticPlan("Cost Codes");
        world.CostCodes["03-200"] = emulator.AddAnalyticAccount("Excavation", "03-200", world.CostPlanId);
        world.CostCodes["03-300"] = emulator.AddAnalyticAccount("Hauling", "03-300", world.CostPlanId);
        return world;
    }

    public OdooOptions Options(string protocol, string mode = OdooOptions.AnalyticLines) => new()
    {
        Url = Emulator.BaseUrl,
        Database = Emulator.Database,
        Protocol = protocol,
        Login = Emulator.Login,
        ApiKey = Emulator.ApiKey,
        PostingMode = mode,
        CostCodePlanId = CostPlanId,
        ExpenseAccountId = ExpenseAccountId,
        RecoveryAccountId = RecoveryAccountId,
        JournalId = MiscJournalId,
        MaxRetries = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(10),
        BreakerMinimumThroughput = 1000,
    };

    public IOdooClient Client(OdooOptions options) => OdooClientFactory.Create(Http, options, Loggers);

    public OdooPoster Poster(OdooOptions options) => new(Client(options), options, Loggers.For<OdooPoster>());

    /// <summary>An allocation with <paramref name="lines"/> equipment lines of <paramref name="amount"/> and 2.5 h each.</summary>
    public static OdooPostingInput Allocation(string project, string costCode, int lines, int day = 20, decimal amount = 100.25m, string currency = "USD", int revision = 1)
    {
        var period = new DateOnly(2026, 11, day);
        var id = Domain.AllocationIds.Format(period, project, costCode, revision);
        var list = new List<OdooPostingLine>(lines);
        for (var i = 0; i < lines; i++)
        {
            var equipment = string.Create(CultureInfo.InvariantCulture, $"EX-{i:0000}");
            list.Add(new OdooPostingLine(Domain.AllocationIds.LineId(id, equipment), equipment, 2.5m, amount + i));
        }

        return new OdooPostingInput(id, period, project, costCode, currency, list);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

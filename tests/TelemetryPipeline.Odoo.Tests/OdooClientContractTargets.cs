using System.Text.Json.Nodes;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

public sealed class EmulatorJson2ContractTests : OdooClientContract
{
    protected override Task<ContractTarget> StartAsync() => ContractTargets.EmulatorAsync(OdooOptions.Json2);
}

public sealed class EmulatorJsonRpcContractTests : OdooClientContract
{
    protected override Task<ContractTarget> StartAsync() => ContractTargets.EmulatorAsync(OdooOptions.JsonRpc);
}

public sealed class RealOdooJson2ContractTests : OdooClientContract, IRealOdooTarget
{
    protected override Task<ContractTarget> StartAsync() => ContractTargets.RealAsync(OdooOptions.Json2);
}

public sealed class RealOdooJsonRpcContractTests : OdooClientContract, IRealOdooTarget
{
    protected override Task<ContractTarget> StartAsync() => ContractTargets.RealAsync(OdooOptions.JsonRpc);
}

internal static class ContractTargets
{
    public static async Task<ContractTarget> EmulatorAsync(string protocol)
    {
        var world = await OdooWorld.StartAsync();
        var options = world.Options(protocol);
        return new ContractTarget(
            world.Client(options),
            options,
            key => world.Client(options with { ApiKey = key }),
            world.Projects["PRJ-1001"],
            OdooWorld.MiscJournalId,
            OdooWorld.ExpenseAccountId,
            OdooWorld.RecoveryAccountId,
            world.DisposeAsync);
    }

    /// <summary>
    /// A real database: uses (or creates) analytic account TPTEST in plan TP_ODOO_PROJECT_PLAN (default 1), the first
    /// general journal, and the first expense and current-liability accounts. Records created by a test are removed.
    /// </summary>
    public static async Task<ContractTarget> RealAsync(string protocol)
    {
        var http = new HttpClient();
        var options = new OdooOptions
        {
            Url = RealOdoo.Url!,
            Database = RealOdoo.Database!,
            Login = RealOdoo.Login,
            ApiKey = RealOdoo.Key!,
            Protocol = protocol,
            CostCodePlanId = 2,
        };
        var client = OdooClientFactory.Create(http, options);
        var plan = long.TryParse(Environment.GetEnvironmentVariable("TP_ODOO_PROJECT_PLAN"), out var p) ? p : 1;
        var accounts = await client.SearchReadAsync("account.analytic.account", OdooDomain.Of(OdooDomain.Leaf("code", "=", "TPTEST"), OdooDomain.Leaf("plan_id", "=", plan)), ["id"], 1);
        var account = accounts.Count > 0
            ? accounts[0]["id"]!.GetValue<long>()
            : (await client.CreateAsync("account.analytic.account", [new JsonObject { ["name"] = "TelemetryPipeline contract tests", ["code"] = "TPTEST", ["plan_id"] = plan }]))[0];
        var journal = (await client.SearchReadAsync("account.journal", OdooDomain.Of(OdooDomain.Leaf("type", "=", "general")), ["id"], 1))[0]["id"]!.GetValue<long>();
        var expense = (await client.SearchReadAsync("account.account", OdooDomain.Of(OdooDomain.Leaf("account_type", "=", "expense")), ["id"], 1))[0]["id"]!.GetValue<long>();
        var liability = (await client.SearchReadAsync("account.account", OdooDomain.Of(OdooDomain.Leaf("account_type", "=", "liability_current")), ["id"], 1))[0]["id"]!.GetValue<long>();
        return new ContractTarget(
            client,
            options,
            key => OdooClientFactory.Create(http, options with { ApiKey = key }),
            account,
            journal,
            expense,
            liability,
            () =>
            {
                http.Dispose();
                return ValueTask.CompletedTask;
            });
    }
}

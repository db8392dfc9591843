using System.Net;
using System.Net.Sockets;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

public sealed class OdooCheckTests
{
    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task RunAsync_EverythingInPlace_ReportsOkAndExitsZero(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(protocol, OdooOptions.DraftMove);

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001", "PRJ-1002"], ["03-200", "03-300"]);

        report.Lines.Should().AllSatisfy(l => l.Ok.Should().BeTrue(l.Text));
        report.ExitCode.Should().Be(0);
        report.ToString().Should().Contain("ok: version 19.0")
            .And.Contain("ok: user admin has group Analytic Accounting")
            .And.Contain("ok: analytic account for project PRJ-1001: [PRJ-1001] PRJ-1001 North yard")
            .And.Contain("ok: journal 3 MISC Miscellaneous Operations");
    }

    [Fact]
    public async Task RunAsync_UserWithoutAnalyticAccounting_SaysWhichGroupToGrant()
    {
        await using var world = await OdooWorld.StartAsync();
        world.Emulator.RevokeGroup(world.Emulator.AdminUid, "analytic.group_analytic_accounting");
        var options = world.Options(OdooOptions.Json2);

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001"], ["03-200"]);

        report.ExitCode.Should().NotBe(0);
        report.ToString().Should().Contain("FIX: user admin lacks group Analytic Accounting (analytic.group_analytic_accounting)")
            .And.Contain("grant it in Settings > Users");
    }

    [Fact]
    public async Task RunAsync_LimitedUser_ReportsEveryMissingRight()
    {
        await using var world = await OdooWorld.StartAsync();
        var uid = world.Emulator.CreateUser("alloc_limited", "limited-pw-1", "base.group_user");
        var options = world.Options(OdooOptions.Json2) with { ApiKey = world.Emulator.IssueApiKey(uid) };

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001"], []);

        report.ExitCode.Should().Be(1);
        report.Lines.Where(l => !l.Ok).Select(l => l.Text).Should().Contain(t => t.Contains("lacks group Analytic Accounting"))
            .And.Contain(t => t.Contains("lacks group Accounting/Invoicing (account.group_account_invoice)"));
    }

    [Fact]
    public async Task RunAsync_MissingProjectAccount_SaysHowToCreateIt()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.JsonRpc) with { ProjectAccounts = new Dictionary<string, long> { ["PRJ-7777"] = 9999 } };

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1003"], ["03-200"]);

        report.ExitCode.Should().Be(1);
        var text = report.ToString();
        text.Should().Contain("FIX: analytic account for project PRJ-1003 not found: create it with code PRJ-1003 in plan Project (id 1)");
        text.Should().Contain("FIX: analytic account 9999 for project PRJ-7777 (Odoo:ProjectAccounts:PRJ-7777) not found in Odoo");
        text.Should().Contain("ok: analytic account for cost code 03-200");
    }

    [Fact]
    public async Task RunAsync_WrongKey_SaysAuthenticationFailedWithoutTheKey()
    {
        await using var world = await OdooWorld.StartAsync();
        var wrongKey = "bad-" + Guid.NewGuid().ToString("N");
        var options = world.Options(OdooOptions.Json2) with { ApiKey = wrongKey };

        var report = await new OdooCheck(world.Client(options), options, world.Loggers.For<OdooCheck>()).RunAsync();

        report.ExitCode.Should().Be(1);
        report.ToString().Should().Contain("FIX: authentication failed on database alloc (Invalid apikey)").And.NotContain(wrongKey);
        world.Loggers.Lines.Should().NotContain(l => l.Contains(wrongKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_NothingListening_SaysOdooIsUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with { Url = $"http://127.0.0.1:{port}", RequestTimeout = TimeSpan.FromSeconds(2) };

        var report = await new OdooCheck(world.Client(options), options).RunAsync();

        report.Lines.Should().ContainSingle().Which.ToString().Should().StartWith($"FIX: cannot reach Odoo at http://127.0.0.1:{port}");
    }

    [Fact]
    public async Task RunAsync_BadJournalAccountsAndColumn_SaysWhatToFix()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2, OdooOptions.DraftMove) with { JournalId = 1, RecoveryAccountId = 4242, CostCodePlanColumn = "x_plan99_id" };

        var report = await new OdooCheck(world.Client(options), options).RunAsync();

        var fixes = report.Lines.Where(l => !l.Ok).Select(l => l.Text).ToList();
        fixes.Should().Contain(t => t.StartsWith("journal 1 Customer Invoices is of type sale", StringComparison.Ordinal));
        fixes.Should().Contain(t => t.StartsWith("equipment cost recovery account 4242 (Odoo:RecoveryAccountId) not found", StringComparison.Ordinal));
        fixes.Should().Contain(t => t.StartsWith("account.analytic.line has no analytic column x_plan99_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Json2AgainstOdoo17_SaysToUseJsonRpc()
    {
        await using var world = await OdooWorld.StartAsync(new TestKit.Odoo.OdooEmulatorOptions { ServerVersion = "17.0" });
        var options = world.Options(OdooOptions.Json2);

        var report = await new OdooCheck(world.Client(options), options).RunAsync();

        report.ToString().Should().Contain("FIX: server is Odoo 17.0; JSON-2 needs 19+: set Odoo:Protocol=jsonrpc");
    }
}

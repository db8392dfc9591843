using TelemetryPipeline.Domain;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

/// <summary>The API key must not appear in any log line (any level) or error text, whatever goes wrong.</summary>
public sealed class SecretLeakTests
{
    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task EveryComponent_FailuresOfEveryKind_NeverLogTheApiKey(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(protocol) with { MaxRetries = 2, RequestTimeout = TimeSpan.FromMilliseconds(400) };
        var client = world.Client(options);
        var poster = new OdooPoster(client, options, world.Loggers.For<OdooPoster>());
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 2);
        var refused = OdooWorld.Allocation("PRJ-1002", "03-300", 1);
        world.Emulator.RejectRecordsWhere((_, values) => values["ref"]!.GetValue<string>().StartsWith(refused.AllocationId, StringComparison.Ordinal), "refused");

        world.Emulator.FailNextRequests(2, 503);
        var errors = new List<string?>();
        errors.AddRange((await poster.PostAsync([allocation, refused, OdooWorld.Allocation("PRJ-404", "03-200", 1)], CancellationToken.None)).Select(o => o.Error));
        world.Emulator.DropConnections(1);
        world.Emulator.ResponseDelay = TimeSpan.FromSeconds(1);
        errors.AddRange((await poster.PostAsync([OdooWorld.Allocation("PRJ-1001", "03-300", 1, day: 2)], CancellationToken.None)).Select(o => o.Error));
        world.Emulator.ResetFaults();
        var check = await new OdooCheck(client, options, world.Loggers.For<OdooCheck>()).RunAsync(["PRJ-1001", "PRJ-9"], ["03-200"]);
        var report = await new OdooReconciler(client, options, world.Loggers.For<OdooReconciler>())
            .ReconcileAsync([new OdooLedgerAllocation(allocation, AllocationStatus.Posted)], new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), CancellationToken.None);

        var key = world.Emulator.ApiKey;
        errors.Should().Contain(e => e != null && e.Contains("refused", StringComparison.Ordinal));
        world.Loggers.Lines.Should().Contain(l => l.Contains("retry", StringComparison.Ordinal), "failures were logged");
        world.Loggers.Lines.Should().NotContain(l => l.Contains(key, StringComparison.Ordinal));
        errors.Should().NotContain(e => e != null && e.Contains(key, StringComparison.Ordinal));
        check.ToString().Should().NotContain(key);
        report.Differences.Should().NotContain(d => d.ToString().Contains(key, StringComparison.Ordinal));
        options.ToString().Should().NotContain(key);
    }

    [Fact]
    public async Task PostAsync_ClientGivesUpBeforeOdooProcesses_LeavesNothingBehind()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with { MaxRetries = 1, RequestTimeout = TimeSpan.FromMilliseconds(200) };
        world.Emulator.Delay = TimeSpan.FromMilliseconds(600);

        var outcomes = await world.Poster(options).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 2)], CancellationToken.None);
        await Task.Delay(800);

        outcomes[0].Posted.Should().BeFalse();
        outcomes[0].Error.Should().Contain("no answer within 0.2 s");
        world.Emulator.Records("account.analytic.line").Should().BeEmpty();
    }
}

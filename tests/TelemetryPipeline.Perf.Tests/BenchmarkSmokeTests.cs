using System.Text.Json;
using TelemetryPipeline.Perf.Odoo;
using TelemetryPipeline.Perf.Settle;

namespace TelemetryPipeline.Perf.Tests;

/// <summary>The settlement and Odoo posting benchmarks at toy sizes: they run to the end and write their JSON; no timing.</summary>
[Trait("Category", "Perf")]
public sealed class BenchmarkSmokeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tp-perf-smoke-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task SettleRunAsync_FiftyMachines_StagesOnceThenNothing()
    {
        var options = new SettleOptions { Machines = 50, Projects = 5, CostCodes = 2, OutputDirectory = _directory };

        string path = await SettleCommand.RunAsync(options, TextWriter.Null, "smoke test", CancellationToken.None);

        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        JsonElement runs = json.RootElement.GetProperty("runs");
        runs.GetArrayLength().Should().Be(2);
        runs[0].GetProperty("allocationsStaged").GetInt32().Should().Be(10, "5 projects × 2 cost codes, one UTC day");
        runs[0].GetProperty("bucketEntries").GetInt32().Should().Be(50 * ((96 * 2) + 24));
        runs[1].GetProperty("allocationsStaged").GetInt32().Should().Be(0, "settling the same buckets again stages nothing");
    }

    [Fact]
    public async Task OdooRunAsync_BatchedAndPerRecord_PostsEveryRecordBothWays()
    {
        var options = new OdooBenchOptions { Allocations = 8, LinesPerAllocation = 5, OutputDirectory = _directory };

        string path = await OdooCommand.RunAsync(options, TextWriter.Null, "smoke test", CancellationToken.None);

        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        JsonElement runs = json.RootElement.GetProperty("runs");
        runs.GetArrayLength().Should().Be(2);
        foreach (JsonElement run in runs.EnumerateArray())
        {
            run.GetProperty("posted").GetInt32().Should().Be(40);
        }

        runs[0].GetProperty("createCalls").GetInt32().Should().BeLessThan(runs[1].GetProperty("createCalls").GetInt32(), "batching makes fewer create calls");
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

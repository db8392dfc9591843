using System.Text.Json;
using TelemetryPipeline.Perf.Load;

namespace TelemetryPipeline.Perf.Tests;

/// <summary>
/// The load harness in its smallest form: in-process mock cluster, throwaway redis-servers, 5,000 events, a short
/// paced run. It checks that the harness runs to the end and writes its JSON; it asserts no timing (numbers on a
/// shared machine are not a test).
/// </summary>
[Trait("Category", "Perf")]
public sealed class LoadSmokeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tp-perf-smoke-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task RunLoadAsync_TinyRun_CompletesAndWritesJson()
    {
        var options = new LoadOptions
        {
            Events = 5_000,
            Partitions = 2,
            Broker = BrokerMode.InProcess,
            PacedSeconds = 2,
            PacedRate = 1_000,
            PacedStartDelaySeconds = 0.5,
            LatencySampleEvery = 1,
            OutputDirectory = _directory,
            Label = "smoke",
            ContenderTimeout = TimeSpan.FromMinutes(2),
        };
        using var output = new StringWriter();

        string path = await PerfCommands.RunLoadAsync(options, output, "smoke test", CancellationToken.None);

        File.Exists(path).Should().BeTrue(output.ToString());
        File.Exists(Path.Combine(_directory, "smoke-latest.svg")).Should().BeTrue();
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        long dataset = json.RootElement.GetProperty("dataset").GetProperty("events").GetInt64();
        dataset.Should().BeGreaterThan(4_000, "the generator gives about the number of events asked for");
        string[] names = [.. json.RootElement.GetProperty("contenders").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];
        names.Should().Equal("bare", "naive", "tp");
        foreach (JsonElement contender in json.RootElement.GetProperty("contenders").EnumerateArray())
        {
            contender.GetProperty("events").GetInt64().Should().Be(dataset, "every contender consumes the whole data set");
        }

        JsonElement tp = json.RootElement.GetProperty("contenders")[2];
        tp.GetProperty("rememberedIds").GetInt64().Should().BeGreaterThan(0);
        tp.GetProperty("latency").GetProperty("samples").GetInt32().Should().BeGreaterThan(0, "durable samples join their produce timestamps");
        json.RootElement.GetProperty("paced").GetProperty("events").GetInt64().Should().Be(2_000, "rate × seconds records were produced and ingested");
        json.RootElement.GetProperty("targets").GetArrayLength().Should().Be(5);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

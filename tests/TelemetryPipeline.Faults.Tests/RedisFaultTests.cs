using System.Diagnostics;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Generator;
using TelemetryPipeline.TestKit;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>Redis going away under the <c>run</c> process, and Redis not being there at all when it starts.</summary>
[Collection(FaultsCollection.Name)]
public sealed class RedisFaultTests(FaultsFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Run_RedisRestartedMidRunWithAof_WaitsRetriesAndCompletesWithExactBuckets()
    {
        await using RedisServer redis = await RedisServer.StartAsync(appendOnly: true);
        FaultScope scope = fixture.NewScope(partitions: 8, redis);
        ProducedScenario produced = await scope.ProduceAsync(new ScenarioOptions { Seed = 77, TargetEvents = 60_000, DuplicateShare = 0.10 });
        long end = scope.EndOffsets();
        using CommittedOffsets committed = scope.CommittedReader();

        await using HostProcess host = HostProcess.Start("run", ["run", "--until-idle", "3"], scope.RunSettings(new Dictionary<string, string>
        {
            ["TP__Ingest__BatchSize"] = "500",
            ["TP__Ingest__RetryDelayMs"] = "100",
            ["TP__Ingest__MaxRetryDelayMs"] = "1000",

            // Shorter than the 4 s outage, so the outage surfaces as failed applies and retries, not one long wait.
            ["TP__Redis__CommandTimeout"] = "00:00:01",
            ["TP__Redis__ConnectTimeout"] = "00:00:01",
        }));
        (await host.WaitForLineAsync(l => l.Contains("Partitions assigned", StringComparison.Ordinal), TimeSpan.FromSeconds(60)))
            .Should().NotBeNull(host.Tail());
        var wait = Stopwatch.StartNew();
        while (committed.Total() < end / 5 && wait.Elapsed < TimeSpan.FromSeconds(60) && !host.HasExited)
        {
            await Task.Delay(10);
        }

        long before = committed.Total();
        before.Should().BeLessThan(end, "Redis must go away while work remains");

        // Down for 4 s (clean SHUTDOWN: the AOF is flushed), then back on the same port with the same directory.
        await redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        host.HasExited.Should().BeFalse($"the pipeline must wait for Redis, not exit; output:\n{host.Tail()}");
        long during = committed.Total();
        await redis.RestartAsync();
        output.WriteLine($"Redis stopped at committed {before}/{end}, committed {during} while it was down, restarted");

        int? exit = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));
        exit.Should().Be(0, host.Tail());
        host.Lines.Should().Contain(l => l.Contains("retrying", StringComparison.OrdinalIgnoreCase), "the outage must be visible in the log");
        committed.Total().Should().Be(end);
        (List<string> differences, int compared) = await scope.CompareBucketsAsync(produced);
        differences.Should().BeEmpty();
        output.WriteLine($"{compared} buckets equal the oracle; retries logged: {host.Lines.Count(l => l.Contains("retrying", StringComparison.OrdinalIgnoreCase))}");
    }
}

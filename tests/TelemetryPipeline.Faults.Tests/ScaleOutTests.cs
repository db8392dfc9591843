using System.Diagnostics;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Generator;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>Two <c>run</c> processes in one consumer group; one is SIGKILLed mid-run and the other takes its partitions over.</summary>
[Collection(FaultsCollection.Name)]
public sealed class ScaleOutTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private const int Partitions = 8;

    [Fact]
    public async Task Run_TwoInstancesOneKilledMidRun_SurvivorTakesOverItsPartitionsAndBucketsAreExact()
    {
        FaultScope scope = fixture.NewScope(Partitions);
        ProducedScenario produced = await scope.ProduceAsync(new ScenarioOptions { Seed = 4242, TargetEvents = 100_000, DuplicateShare = 0.10 });
        long end = scope.EndOffsets();
        using CommittedOffsets committed = scope.CommittedReader();

        // The survivor's --until-idle outlasts the session timeout (6 s), so it is still there when the dead member's
        // partitions are handed out.
        Dictionary<string, string> settings = scope.RunSettings(new Dictionary<string, string> { ["TP__Ingest__BatchSize"] = "500" });
        await using HostProcess a = HostProcess.Start("a", ["run", "--until-idle", "15"], settings);
        await using HostProcess b = HostProcess.Start("b", ["run", "--until-idle", "15"], settings);

        // Both members in one generation, each with a share of the partitions.
        var joined = Stopwatch.StartNew();
        while (joined.Elapsed < TimeSpan.FromSeconds(90) && !(Shared(a) && Shared(b)))
        {
            await Task.Delay(50);
        }

        (Shared(a) && Shared(b)).Should().BeTrue($"both instances should own partitions at once;\nA:\n{a.Tail(15)}\nB:\n{b.Tail(15)}");
        int ownedByA = LastAssignment(a);
        output.WriteLine($"assigned: A {ownedByA}, B {LastAssignment(b)} of {3 * Partitions} telemetry partitions");

        while (committed.Total() < end / 4 && joined.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(10);
        }

        long atKill = committed.Total();
        atKill.Should().BeLessThan(end, "A must die while work remains");
        a.Kill();
        await a.WaitForExitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"A killed at committed {atKill}/{end}");

        int? exit = await b.WaitForExitAsync(TimeSpan.FromMinutes(2));
        exit.Should().Be(0, b.Tail());
        LastAssignment(b).Should().Be(3 * Partitions, $"B must end up owning every partition, A's included;\n{b.Tail(20)}");
        committed.Total().Should().Be(end, "every partition, A's included, is committed to its end");
        (List<string> differences, int compared) = await scope.CompareBucketsAsync(produced);
        differences.Should().BeEmpty();
        output.WriteLine($"{compared} buckets equal the oracle; {b.Lines.LastOrDefault(l => l.StartsWith("ingested", StringComparison.Ordinal))}");
    }

    private static bool Shared(HostProcess host) => LastAssignment(host) is > 0 and < 3 * Partitions;

    /// <summary>Telemetry partitions in the last "Partitions assigned" line of the host's log (0 before any).</summary>
    private static int LastAssignment(HostProcess host)
    {
        string? line = host.Lines.LastOrDefault(l => l.Contains("Partitions assigned", StringComparison.Ordinal));
        return line is null ? 0 : line[(line.IndexOf("Partitions assigned", StringComparison.Ordinal) + 19)..].Split(',', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}

using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Generator;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// The <c>run</c> process is SIGKILLed at random moments while it works through a generated scenario with 10%
/// duplicates, and restarted each time; at the end every bucket equals the independent oracle, to the unit.
/// Default: 100k events × 5 kills. <c>TP_FAULTS_FULL=1</c>: 1M events × 20 kills (the numbers).
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class CrashLoopTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private static readonly bool s_full = Environment.GetEnvironmentVariable("TP_FAULTS_FULL") == "1";

    [Fact]
    public async Task Run_SigkilledAtRandomMomentsAndRestarted_BucketsEqualIndependentComputation()
    {
        long events = s_full ? 1_000_000 : 100_000;
        int kills = s_full ? 20 : 5;
        int partitions = s_full ? 64 : 16;
        int seed = Environment.GetEnvironmentVariable("TP_FAULTS_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Environment.TickCount;
        var random = new Random(seed);
        var total = Stopwatch.StartNew();
        output.WriteLine($"seed {seed} (TP_FAULTS_SEED={seed} repeats the kill moments), {events} events, {kills} kills, {partitions} partitions");

        FaultScope scope = fixture.NewScope(partitions);
        ProducedScenario produced = await scope.ProduceAsync(new ScenarioOptions { Seed = 20_261_122, TargetEvents = events, DuplicateShare = 0.10 });
        long end = scope.EndOffsets();
        output.WriteLine($"produced {produced.Delivered} records ({produced.TelemetryRecords} telemetry, {produced.Expected.Duplicates} duplicates, " +
            $"{produced.Expected.RejectedCount} rejected by the oracle) in {produced.ProduceTime.TotalSeconds:0.0} s; telemetry end offsets {end}");
        produced.Expected.Duplicates.Should().BeGreaterThan((int)(produced.TelemetryRecords / 20), "the scenario must carry ~10% duplicates");

        // Kill targets: random fractions of the work, so every kill lands mid-stream at a different place.
        double[] targets = [.. Enumerable.Range(0, kills).Select(_ => 0.03 + (random.NextDouble() * 0.92)).Order()];
        Dictionary<string, string> settings = scope.RunSettings(new Dictionary<string, string>
        {
            // Small batches: many apply/commit boundaries for a kill to fall between.
            ["TP__Ingest__BatchSize"] = "500",
            ["TP__Ingest__BatchLingerMs"] = "5",
        });
        using CommittedOffsets committed = scope.CommittedReader();
        int killed = 0;
        int run = 0;
        while (killed < kills)
        {
            run++;
            (run <= kills * 3).Should().BeTrue($"{kills} kills should take at most {kills * 3} runs");
            await using HostProcess host = HostProcess.Start($"run-{run}", ["run", "--until-idle", "3"], settings);
            string? assigned = await host.WaitForLineAsync(l => l.Contains("Partitions assigned", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            assigned.Should().NotBeNull($"run {run} should join the group; output:\n{host.Tail()}");

            long target = (long)(targets[killed] * end);
            var deadline = Stopwatch.StartNew();
            long progress;
            while ((progress = committed.Total()) < target && !host.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(120))
            {
                await Task.Delay(20);
            }

            // A little more randomness: the kill falls anywhere in the batch cycle (apply, DLQ produce, commit).
            await Task.Delay(random.Next(0, 60));
            if (host.HasExited)
            {
                host.ExitCode.Should().Be(0, host.Tail());
                output.WriteLine($"run {run} finished by itself before kill {killed + 1} (progress {progress}/{end})");
                break;
            }

            host.Kill();
            await host.WaitForExitAsync(TimeSpan.FromSeconds(10));
            killed++;
            output.WriteLine($"kill {killed} at {host.Elapsed.TotalSeconds:0.0} s into run {run}: committed {committed.Total()}/{end} (target {target})");
        }

        killed.Should().Be(kills, "every kill must land while work remained");

        // The last run, undisturbed, catches up.
        await using (HostProcess last = HostProcess.Start("run-final", ["run", "--until-idle", "3"], settings))
        {
            int? exit = await last.WaitForExitAsync(TimeSpan.FromMinutes(s_full ? 8 : 3));
            exit.Should().Be(0, last.Tail());
            output.WriteLine(last.Lines.LastOrDefault(l => l.StartsWith("ingested", StringComparison.Ordinal)) ?? "(no summary)");
        }

        committed.Total().Should().Be(end, "the group has committed everything");
        (List<string> differences, int compared) = await scope.CompareBucketsAsync(produced);
        differences.Should().BeEmpty($"buckets must equal the oracle after {killed} SIGKILLs (seed {seed})");
        output.WriteLine($"{compared} non-zero buckets equal the oracle after {killed} kills in {run + 1} runs; total {total.Elapsed.TotalSeconds:0} s");
    }
}

using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;
using TelemetryPipeline.TestKit;
using Xunit.Abstractions;
using static TelemetryPipeline.State.Tests.Events;

namespace TelemetryPipeline.State.Tests;

/// <summary>
/// Measurements, not benchmarks with bounds: they print events/s and bytes per dedupe id (run with
/// <c>--logger "console;verbosity=detailed"</c> to see them) and assert only correctness and the memory design goal.
/// Each uses a server of its own so other tests do not disturb it. <c>TP_PERF_FULL=1</c> runs the full sizes
/// (1M remembered ids); the default sizes keep the suite quick.
/// </summary>
[Trait("Category", "Perf")]
public sealed class PerformanceTests(ITestOutputHelper output)
{
    private static readonly bool s_full = Environment.GetEnvironmentVariable("TP_PERF_FULL") == "1";
    private static readonly RecordType[] s_types = [RecordType.Usage, RecordType.Idle, RecordType.Fuel];

    [Fact]
    public async Task ApplyAsync_RealisticFiveThousandEventBatches_ReportsThroughput()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(Options(server), CancellationToken.None);
        int batches = s_full ? 100 : 20;
        List<NormalizedEvent[]> load = RealisticLoad(machines: 2000, batches + 2);
        foreach (NormalizedEvent[] warmup in load.GetRange(0, 2))
        {
            await store.ApplyAsync(warmup, CancellationToken.None);
        }

        long events = 0;
        int calls = 0;
        var latencies = new List<double>();
        double redisCpuBefore = await RedisCpuSeconds(store);
        TimeSpan clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        foreach (NormalizedEvent[] batch in load.GetRange(2, batches))
        {
            long started = Stopwatch.GetTimestamp();
            ApplyBatchResult result = await store.ApplyAsync(batch, CancellationToken.None);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            result.Outcomes.Should().NotContain(EventOutcome.Duplicate);
            events += batch.Length;
            calls += result.RedisCalls;
        }

        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        double clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
        double redisCpu = await RedisCpuSeconds(store) - redisCpuBefore;
        latencies.Sort();
        calls.Should().Be(2 * batches, "one read and one apply script call per batch with one shard");
        Report(
            $"ApplyAsync: {events:N0} events in {batches} batches of ~{events / batches:N0}: {events / clock.Elapsed.TotalSeconds:N0} events/s, " +
            $"batch p50 {latencies[latencies.Count / 2]:N1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:N1} ms, " +
            $"{calls * 1000.0 / events:N2} Redis calls per 1,000 events, {allocated / (double)events:N0} B allocated per event (client side); " +
            $"Redis CPU {redisCpu * 1000 / batches:N1} ms per batch = {events / redisCpu:N0} events per Redis-CPU-second, " +
            $"test process CPU {clientCpu * 1000 / batches:N1} ms per batch; load average {LoadAverage()}");
    }

    [Fact]
    public async Task ApplyAsync_ManyRememberedIds_ReportsUsedMemoryPerDedupeId()
    {
        int ids = s_full ? 1_000_000 : 200_000;
        await using RedisServer server = await RedisServer.StartAsync();
        // 1,000 machines × 3 record types, one event per minute each: 180,000 ids per hour, so 512 dedupe sets per hour
        // (≈ 350 ids per set, an intset) as RedisOptions.DedupeSetsPerHour advises.
        RedisOptions options = Options(server) with { DedupeSetsPerHour = 512 };
        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(options, CancellationToken.None);
        long baseline = await store.GetUsedMemoryAsync(CancellationToken.None);

        const int Machines = 1000;
        int minutes = (ids + (Machines * 3) - 1) / (Machines * 3);
        var batch = new List<NormalizedEvent>(5000);
        long applied = 0;
        var clock = Stopwatch.StartNew();
        for (int minute = 0; minute < minutes; minute++)
        {
            long time = Day0 + (minute * Minute) + 1;
            for (int machine = 0; machine < Machines; machine++)
            {
                string identifier = string.Create(CultureInfo.InvariantCulture, $"serial:CAT0{machine:D5}");
                foreach (RecordType type in s_types)
                {
                    string eventId = string.Create(CultureInfo.InvariantCulture, $"{identifier}/{(int)type}/{minute}");
                    batch.Add(Point(identifier, eventId, time, 1000, type == RecordType.Fuel ? Measure.FuelBurnMl : Measure.OperatingMs, type));
                    if (batch.Count == 5000)
                    {
                        applied += await ApplyAll(store, batch);
                    }
                }
            }
        }

        applied += await ApplyAll(store, batch);
        double seconds = clock.Elapsed.TotalSeconds;
        long withEverything = await store.GetUsedMemoryAsync(CancellationToken.None);

        // Leave only the dedupe sets, then measure again.
        using (var args = RedisArgs.Of(
            "for _, p in ipairs(ARGV) do for _, k in ipairs(redis.call('KEYS', p)) do redis.call('DEL', k) end end return 1",
            "0", "*:b:*", "*:i:*", "*:m:*", "*:a:*", "*:layout"))
        {
            var connection = new RedisConnection(Options(server));
            await using (connection)
            {
                await connection.ExecuteAsync("EVAL", args, CancellationToken.None);
                string sample = store.Keys.Dedupe(0, BucketMath.UtcDay(Day0) * 24, 0);
                using var encoding = RedisArgs.Of("ENCODING", sample);
                (await connection.ExecuteAsync("OBJECT", encoding, CancellationToken.None)).AsString().Should().Be("intset");
                using var usage = RedisArgs.Of("USAGE", sample);
                long sampleBytes = (await connection.ExecuteAsync("MEMORY", usage, CancellationToken.None)).AsInt64();
                using var length = RedisArgs.Of(sample);
                long sampleIds = (await connection.ExecuteAsync("SCARD", length, CancellationToken.None)).AsInt64();
                sampleIds.Should().BeInRange(200, 512);
                Report($"sample dedupe set {sample}: MEMORY USAGE {sampleBytes} B for {sampleIds} ids");
            }
        }

        long dedupeOnly = await store.GetUsedMemoryAsync(CancellationToken.None);
        double perId = (dedupeOnly - baseline) / (double)applied;
        Report(
            $"{applied:N0} remembered ids (~350 per set) applied at {applied / seconds:N0} events/s: used_memory +{(withEverything - baseline) / 1e6:N1} MB with buckets, " +
            $"+{(dedupeOnly - baseline) / 1e6:N1} MB dedupe sets only = {perId:N1} B per id");
        perId.Should().BeLessThanOrEqualTo(24, "the design goal for remembered ids");
    }

    /// <summary>used_cpu_user + used_cpu_sys of the server: its CPU time, which the machine's other load does not inflate the way it does wall time.</summary>
    private static async Task<double> RedisCpuSeconds(RedisTelemetryStore store)
    {
        IReadOnlyDictionary<string, string> cpu = await store.GetInfoAsync("cpu", CancellationToken.None);
        return double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static async Task<long> ApplyAll(RedisTelemetryStore store, List<NormalizedEvent> batch)
    {
        ApplyBatchResult result = await store.ApplyAsync(batch, CancellationToken.None);
        result.Outcomes.Should().AllBeEquivalentTo(EventOutcome.Applied);
        int count = batch.Count;
        batch.Clear();
        return count;
    }

    /// <summary>
    /// A fleet reporting every 10 minutes: usage and idle deltas over the last 10 minutes (1–2 buckets each), a fuel burn
    /// every 30 minutes, a cumulative operating-hours reading every hour; ≈ 5,000 events per 2,000 machines and step.
    /// </summary>
    private static List<NormalizedEvent[]> RealisticLoad(int machines, int batches)
    {
        var random = new Random(1);
        var result = new List<NormalizedEvent[]>();
        var batch = new List<NormalizedEvent>(5100);
        var meter = new long[machines];
        int offsetsSeed = random.Next();
        for (int step = 0; result.Count < batches; step++)
        {
            for (int m = 0; m < machines; m++)
            {
                string identifier = string.Create(CultureInfo.InvariantCulture, $"telematics:VL{m:D6}");
                long time = Day0 + (step * 10 * Minute) + ((m * 7_919L + offsetsSeed) % (10 * Minute));
                long operating = random.NextInt64(0, 10 * Minute);
                long idle = random.NextInt64(0, operating + 1);
                string id = string.Create(CultureInfo.InvariantCulture, $"{identifier}/{step}");
                batch.Add(Delta(identifier, id + "/u", time - (10 * Minute), time, operating, Measure.OperatingMs, RecordType.Usage));
                batch.Add(Delta(identifier, id + "/i", time - (10 * Minute), time, idle, Measure.IdleMs, RecordType.Idle));
                if ((step + m) % 3 == 0)
                {
                    batch.Add(Point(identifier, id + "/f", time, random.NextInt64(5_000, 60_000), Measure.FuelBurnMl, RecordType.Fuel,
                        m % 4 == 0 ? "PRJ-1001" : null, m % 4 == 0 ? "03-200" : null));
                }

                if ((step + m) % 6 == 0)
                {
                    meter[m] += random.NextInt64(0, 60 * Minute);
                    batch.Add(Reading(identifier, id + "/c", time, meter[m], Measure.OperatingMs, RecordType.Usage));
                }

                if (batch.Count >= 5000)
                {
                    result.Add([.. batch]);
                    batch.Clear();
                }
            }
        }

        return result;
    }

    private static RedisOptions Options(RedisServer server) => new()
    {
        Endpoint = server.Endpoint,
        CommandTimeout = TimeSpan.FromSeconds(60),
    };

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine("[perf] " + line);
    }
}

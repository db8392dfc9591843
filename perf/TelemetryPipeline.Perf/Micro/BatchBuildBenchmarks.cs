using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Micro;

/// <summary>
/// Batch building in the store: <see cref="RedisTelemetryStore.ApplyAsync"/> over a connection that answers at once (the
/// read script: no id known, no baselines; the apply script: OK), so what is measured is the client side of one apply —
/// contract checks, per-shard splitting, dedupe sets, deciding every event and spreading it into cells, both scripts'
/// arguments and replies.
/// </summary>
[MemoryDiagnoser]
public class BatchBuildBenchmarks
{
    private NormalizedEvent[] _events = [];
    private RedisTelemetryStore _store = null!;

    [Params(1_000, 5_000)]
    public int BatchSize { get; set; }

    [Params(1, 16)]
    public int Shards { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        long day = 20_454L * 86_400_000;
        _events = new NormalizedEvent[BatchSize];
        for (int i = 0; i < BatchSize; i++)
        {
            string identifier = string.Create(CultureInfo.InvariantCulture, $"telematics:VL{i % 2000:D6}");
            long time = day + random.NextInt64(600_000, 86_400_000);
            _events[i] = (i % 3) switch
            {
                0 => new NormalizedEvent(RecordType.Usage, (ulong)random.NextInt64(), identifier, time, ContributionKind.Delta, Measure.OperatingMs, random.NextInt64(0, 600_000), time - 600_000, null, null),
                1 => new NormalizedEvent(RecordType.Idle, (ulong)random.NextInt64(), identifier, time, ContributionKind.Delta, Measure.IdleMs, random.NextInt64(0, 300_000), time - 600_000, null, null),
                _ => new NormalizedEvent(RecordType.Fuel, (ulong)random.NextInt64(), identifier, time, ContributionKind.Point, Measure.FuelBurnMl, random.NextInt64(1_000, 40_000), 0, "PRJ-1001", "03-200"),
            };
        }

        var counts = new int[Shards];
        foreach (NormalizedEvent e in _events)
        {
            counts[RedisKeyspace.ShardOf(e.Identifier, Shards)]++;
        }

        var reads = new RedisValue[Shards];
        string layout = string.Create(CultureInfo.InvariantCulture, $"v2 dedupe-sets-per-hour={new RedisOptions().DedupeSetsPerHour} epoch=bench");
        for (int shard = 0; shard < Shards; shard++)
        {
            reads[shard] = RedisValue.Array([
                RedisValue.BulkString(layout), RedisValue.BulkString(Encoding.ASCII.GetBytes(new string('0', counts[shard]))), RedisValue.Array([])]);
        }

        _store = new RedisTelemetryStore(new InstantConnection(reads), new RedisOptions { Shards = Shards });
    }

    [Benchmark]
    public async Task<int> Apply()
    {
        ApplyBatchResult result = await _store.ApplyAsync(_events, CancellationToken.None).ConfigureAwait(false);
        return result.Outcomes.Length;
    }

    /// <summary>Answers read scripts with the shard's prepared reply (named by its hash tag) and apply scripts with OK, without a server.</summary>
    private sealed class InstantConnection(RedisValue[] readPerShard) : IRedisConnection
    {
        public string Endpoint => "instant";

        public Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken) =>
            Task.FromResult(RedisValue.SimpleString(Encoding.ASCII.GetBytes("OK")));

        public Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken) =>
            Task.FromResult(new RedisValue[requests.Count]);

        public Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken)
        {
            if (script != RedisTelemetryStore.ApplyScripts[0])
            {
                return Task.FromResult(RedisValue.BulkString("OK"));
            }

            // keys[0] is the shard's hash tag "{prefix:shard}".
            string tag = keys[0];
            int colon = tag.LastIndexOf(':');
            int shard = int.Parse(tag.AsSpan(colon + 1, tag.Length - colon - 2), CultureInfo.InvariantCulture);
            return Task.FromResult(readPerShard[shard]);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

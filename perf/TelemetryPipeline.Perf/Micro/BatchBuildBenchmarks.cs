using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Micro;

/// <summary>
/// Batch building in the store: <see cref="RedisTelemetryStore.ApplyAsync"/> over a connection that answers at once with
/// the right number of outcome digits, so what is measured is the client side of one apply — contract checks,
/// identifier and code-pair tables, the packed 43-byte event records, the reply's decoding (and per-shard splitting).
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

        var replies = new RedisValue[Shards];
        for (int shard = 0; shard < Shards; shard++)
        {
            replies[shard] = RedisValue.BulkString(Encoding.ASCII.GetBytes(new string('0', counts[shard])));
        }

        _store = new RedisTelemetryStore(new InstantConnection(replies), new RedisOptions { Shards = Shards });
    }

    [Benchmark]
    public async Task<int> Apply()
    {
        ApplyBatchResult result = await _store.ApplyAsync(_events, CancellationToken.None).ConfigureAwait(false);
        return result.Outcomes.Length;
    }

    /// <summary>Answers every script call with "0" per event of the shard named by its hash tag, without a server.</summary>
    private sealed class InstantConnection(RedisValue[] replyPerShard) : IRedisConnection
    {
        public string Endpoint => "instant";

        public Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken) =>
            Task.FromResult(RedisValue.SimpleString(Encoding.ASCII.GetBytes("OK")));

        public Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken) =>
            Task.FromResult(new RedisValue[requests.Count]);

        public Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken)
        {
            // keys[0] is the shard's hash tag "{prefix:shard}".
            string tag = keys[0];
            int colon = tag.LastIndexOf(':');
            int shard = int.Parse(tag.AsSpan(colon + 1, tag.Length - colon - 2), CultureInfo.InvariantCulture);
            return Task.FromResult(replyPerShard[shard]);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

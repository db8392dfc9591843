using System.Globalization;
using Confluent.Kafka;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.State;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>
/// One in-process Kafka mock cluster (the host processes connect to its loopback port) and one Redis for the whole
/// collection; PostgreSQL starts on first use. Each test isolates itself by topics, consumer group and key prefix.
/// </summary>
public sealed class FaultsFixture : IAsyncLifetime
{
    private static int s_counter;
    private readonly SemaphoreSlim _postgresGate = new(1, 1);
    private PostgresServer? _postgres;

    internal MockCluster Cluster { get; private set; } = null!;

    internal RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        KafkaNative.EnsureLoaded();
        Cluster = MockCluster.Start();
        Redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        await Redis.DisposeAsync();
        Cluster.Dispose();
        _postgresGate.Dispose();
    }

    /// <summary>The collection's PostgreSQL, started on first use.</summary>
    internal async Task<PostgresServer> PostgresAsync()
    {
        await _postgresGate.WaitAsync();
        try
        {
            return _postgres ??= await PostgresServer.StartAsync();
        }
        finally
        {
            _postgresGate.Release();
        }
    }

    /// <summary>Unique topics (with <paramref name="partitions"/> partitions each), group and key prefix for one test.</summary>
    internal FaultScope NewScope(int partitions, RedisServer? redis = null)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"f{Interlocked.Increment(ref s_counter)}x{Environment.ProcessId}");
        TopicNames topics = TopicNames.Prefixed(id);
        Cluster.CreateTopics(topics, partitions);
        var kafka = new KafkaOptions { BootstrapServers = Cluster.BootstrapServers, GroupId = $"{id}-group", Topics = topics };
        var redisOptions = new RedisOptions { Endpoint = (redis ?? Redis).Endpoint, KeyPrefix = id };
        return new FaultScope(kafka, redisOptions, partitions);
    }
}

[CollectionDefinition(Name)]
public sealed class FaultsCollection : ICollectionFixture<FaultsFixture>
{
    /// <summary>Process-level fault tests run one at a time: they time kills and restarts, and the machine has 2 cores.</summary>
    public const string Name = "faults";
}

/// <summary>A test's topics, consumer group and key prefix, and the TP__ settings that point a host process at them.</summary>
internal sealed record FaultScope(KafkaOptions Kafka, RedisOptions Redis, int Partitions)
{
    public TopicNames Topics => Kafka.Topics;

    /// <summary>TP__ settings for <c>run</c>: this scope's broker, topics, group and Redis; no ledger (ingest only).</summary>
    public Dictionary<string, string> RunSettings(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TP__Kafka__BootstrapServers"] = Kafka.BootstrapServers,
            ["TP__Kafka__GroupId"] = Kafka.GroupId,
            ["TP__Kafka__Topics__Usage"] = Topics.Usage,
            ["TP__Kafka__Topics__Idle"] = Topics.Idle,
            ["TP__Kafka__Topics__Fuel"] = Topics.Fuel,
            ["TP__Kafka__Topics__Assignments"] = Topics.Assignments,
            ["TP__Kafka__Topics__Aliases"] = Topics.Aliases,
            ["TP__Kafka__Topics__Rates"] = Topics.Rates,
            ["TP__Kafka__Topics__Dlq"] = Topics.Dlq,
            ["TP__Redis__Endpoint"] = Redis.Endpoint,
            ["TP__Redis__KeyPrefix"] = Redis.KeyPrefix,
            ["TP__Ledger__ConnectionString"] = string.Empty,
            ["TP__Logging__LogLevel__Default"] = "Information",
        };
        foreach ((string key, string value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Telemetry partitions of this scope (three topics).</summary>
    public List<TopicPartition> TelemetryPartitions() =>
        [.. Topics.Telemetry.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(t, p)))];

    /// <summary>Generates the scenario, produces it in order and runs the oracle over the same records as they go out.</summary>
    public async Task<ProducedScenario> ProduceAsync(ScenarioOptions options)
    {
        var scenario = new FleetScenario(options, new CodecTelemetryEncoder());
        var expected = new ExpectedTotals(scenario.NowMs);
        long telemetry = 0;
        IEnumerable<GeneratedRecord> Observed()
        {
            foreach (GeneratedRecord record in scenario.Generate())
            {
                expected.Apply(record);
                if (record.IsTelemetry)
                {
                    telemetry++;
                }

                yield return record;
            }
        }

        using var producer = new FleetProducer(Kafka.BootstrapServers, Topics, new GenerateOptions { Scenario = options });
        ProduceResult result = await producer.ProduceAsync(Observed(), null, CancellationToken.None);
        result.Failed.Should().Be(0, result.FirstError);
        return new ProducedScenario(scenario, expected, telemetry, result.Delivered, result.Elapsed);
    }

    /// <summary>Sum of the high-water marks of the telemetry partitions: what a caught-up group has committed.</summary>
    public long EndOffsets()
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(Kafka.ToConsumerConfig()).Build();
        long total = 0;
        foreach (TopicPartition partition in TelemetryPartitions())
        {
            total += consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
        }

        return total;
    }

    /// <summary>A reader of the group's committed offsets (it never joins the group).</summary>
    public CommittedOffsets CommittedReader() => new(Kafka, TelemetryPartitions());

    /// <summary>
    /// Compares every non-zero bucket in Redis with the oracle. Returns the differences (at most <paramref name="show"/>
    /// described) and the number of buckets compared.
    /// </summary>
    public async Task<(List<string> Differences, int Compared)> CompareBucketsAsync(ProducedScenario produced, int show = 10)
    {
        var actual = new Dictionary<ExpectedBucketKey, long>();
        // A whole day is one pipelined read: with a million events it takes seconds on a busy machine.
        RedisOptions reader = Redis with { CommandTimeout = TimeSpan.FromMinutes(2) };
        await using (RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(reader, CancellationToken.None))
        {
            long firstDay = BucketMath.UtcDay(produced.Scenario.StartMs) - 2;
            long lastDay = BucketMath.UtcDay(produced.Scenario.NowMs) + 1;
            for (long day = firstDay; day <= lastDay; day++)
            {
                foreach (BucketEntry entry in await store.ReadDayAsync(day, CancellationToken.None))
                {
                    var key = new ExpectedBucketKey(entry.Identifier, entry.BucketStartMs, entry.Measure, entry.ProjectCode ?? "", entry.CostCode ?? "");
                    actual[key] = actual.GetValueOrDefault(key) + entry.Amount;
                }
            }
        }

        var differences = new List<string>();
        int count = 0;
        foreach ((ExpectedBucketKey key, long amount) in produced.Expected.Buckets)
        {
            if (amount == 0)
            {
                continue;
            }

            count++;
            long got = actual.GetValueOrDefault(key);
            if (got != amount)
            {
                differences.Add($"{key}: expected {amount}, Redis has {got}");
            }
        }

        foreach ((ExpectedBucketKey key, long amount) in actual)
        {
            if (amount != 0 && produced.Expected.Buckets.GetValueOrDefault(key) == 0)
            {
                differences.Add($"{key}: expected nothing, Redis has {amount}");
            }
        }

        if (differences.Count > show)
        {
            int more = differences.Count - show;
            differences = [.. differences.Take(show), $"... and {more} more"];
        }

        return (differences, count);
    }
}

/// <summary>A produced scenario and the oracle's verdict over exactly the records produced.</summary>
internal sealed record ProducedScenario(FleetScenario Scenario, ExpectedTotals Expected, long TelemetryRecords, long Delivered, TimeSpan ProduceTime);

/// <summary>Reads a group's committed offsets without joining it (OffsetFetch only).</summary>
internal sealed class CommittedOffsets : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly List<TopicPartition> _partitions;

    public CommittedOffsets(KafkaOptions kafka, List<TopicPartition> partitions)
    {
        _consumer = new ConsumerBuilder<byte[], byte[]>(kafka.ToConsumerConfig()).Build();
        _partitions = partitions;
    }

    /// <summary>Sum of committed offsets (an uncommitted partition counts 0); -1 when the broker did not answer in time.</summary>
    public long Total()
    {
        try
        {
            long total = 0;
            foreach (TopicPartitionOffset committed in _consumer.Committed(_partitions, TimeSpan.FromSeconds(5)))
            {
                total += Math.Max(0, committed.Offset.Value);
            }

            return total;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }

    public void Dispose()
    {
        _consumer.Dispose();
    }
}

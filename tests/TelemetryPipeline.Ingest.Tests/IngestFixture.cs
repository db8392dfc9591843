using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.State;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Ingest.Tests;

/// <summary>One Kafka mock cluster and one Redis per test assembly; each test isolates itself by topic, group and key prefix.</summary>
public sealed class IngestFixture : IAsyncLifetime
{
    private static int s_counter;

    public MockCluster Cluster { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The codec configured with the generator's Confluent schema ids (as appsettings.json maps them).</summary>
    public static TelemetryCodec Codec { get; } = TelemetryCodec.CreateDefault(GeneratorSchemaIds.Map);

    public async Task InitializeAsync()
    {
        KafkaNative.EnsureLoaded();
        Cluster = MockCluster.Start();
        Redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        Cluster.Dispose();
    }

    /// <summary>Unique topics, group and key prefix for one test.</summary>
    public TestScope NewScope(int partitions = 4)
    {
        string id = $"t{Interlocked.Increment(ref s_counter)}x{Environment.ProcessId}";
        TopicNames topics = TopicNames.Prefixed(id);
        Cluster.CreateTopics(topics, partitions);
        var kafka = new KafkaOptions { BootstrapServers = Cluster.BootstrapServers, GroupId = $"{id}-group", Topics = topics };
        var redis = new RedisOptions { Endpoint = Redis.Endpoint, KeyPrefix = id };
        return new TestScope(this, kafka, redis);
    }
}

[CollectionDefinition(Name)]
public sealed class IngestCollection : ICollectionFixture<IngestFixture>
{
    public const string Name = "ingest";
}

/// <summary>A test's own topics, consumer group and Redis key prefix.</summary>
public sealed record TestScope(IngestFixture Fixture, KafkaOptions Kafka, RedisOptions Redis)
{
    public TopicNames Topics => Kafka.Topics;

    public string TopicOf(GeneratedTopic topic) => topic switch
    {
        GeneratedTopic.Usage => Topics.Usage,
        GeneratedTopic.Idle => Topics.Idle,
        GeneratedTopic.Fuel => Topics.Fuel,
        GeneratedTopic.Assignments => Topics.Assignments,
        GeneratedTopic.Aliases => Topics.Aliases,
        GeneratedTopic.Rates => Topics.Rates,
        _ => throw new ArgumentOutOfRangeException(nameof(topic)),
    };

    /// <summary>Produces the records in order (same key → same partition → same order) and waits for every delivery.</summary>
    public async Task ProduceAsync(IEnumerable<GeneratedRecord> records)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(Kafka.ToProducerConfig()).Build();
        foreach (GeneratedRecord record in records)
        {
            producer.Produce(TopicOf(record.Topic), new Message<byte[], byte[]>
            {
                Key = System.Text.Encoding.UTF8.GetBytes(record.Key),
                Value = record.Value,
            });
        }

        producer.Flush(TimeSpan.FromSeconds(60)).Should().Be(0, "every generated record must be delivered");
        await Task.CompletedTask;
    }

    public IngestPipeline CreatePipeline(ITelemetryStore store, long nowMs, IngestOptions? options = null) =>
        new(
            options ?? new IngestOptions { BatchSize = 2_000, BatchLingerMs = 20 },
            Kafka,
            IngestFixture.Codec,
            store,
            new IngestMetrics(),
            TestLog.Factory.CreateLogger<IngestPipeline>(),
            clock: new FixedClock(nowMs));
}

/// <summary>Processing time pinned to the scenario's "now", so validation windows match the oracle's.</summary>
public sealed class FixedClock(long nowMs) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
}

/// <summary>Pipeline logs go to stderr when TP_TEST_LOG=1 (diagnosing a failing integration test), nowhere otherwise.</summary>
internal static class TestLog
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(builder =>
    {
        if (Environment.GetEnvironmentVariable("TP_TEST_LOG") == "1")
        {
            builder.SetMinimumLevel(LogLevel.Debug).AddSimpleConsole(o => o.SingleLine = true);
        }
    });
}

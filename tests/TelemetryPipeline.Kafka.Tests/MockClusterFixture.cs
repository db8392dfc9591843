using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

/// <summary>
/// One in-process mock Kafka cluster for the whole test assembly (xunit collection fixture). Tests
/// isolate themselves by unique topic and group names instead of restarting the cluster.
/// Usage: put <c>[Collection(MockClusterCollection.Name)]</c> on the test class and take a
/// <see cref="MockClusterFixture"/> in its constructor.
/// Timing on the mock (librdkafka 2.0.2): a new group's first join takes ~3 s; a later join to a group
/// whose previous member left takes about session.timeout.ms − 1 s (5 s at 6000), so give each group
/// test its own group name unless the test is about resuming.
/// </summary>
public sealed class MockClusterFixture : IDisposable
{
    /// <summary>Generous bound for the first group join (the mock cluster delays the first rebalance ~3 s).</summary>
    public static readonly TimeSpan AssignmentTimeout = TimeSpan.FromSeconds(30);

    public MockClusterFixture()
    {
        Cluster = MockCluster.Start(brokers: 1);
    }

    public MockCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>A unique name such as <c>test.usage.3f2a…</c>, for topics and groups.</summary>
    public static string UniqueName(string prefix) => $"test.{prefix}.{Guid.NewGuid():N}";

    /// <summary>Creates a topic no other test uses and returns its name.</summary>
    public string CreateTopic(string prefix, int partitions)
    {
        var name = UniqueName(prefix);
        Cluster.CreateTopic(name, partitions).Should().BeTrue("the name is unique");
        return name;
    }

    /// <summary>Pipeline defaults against this cluster, with a group of their own.</summary>
    public KafkaOptions Options(string? groupId = null) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId ?? UniqueName("group"),
        ClientId = "kafka-tests",
    };

    public IProducer<string, string> CreateProducer() =>
        new ProducerBuilder<string, string>(Options().ToProducerConfig())
            .SetLogHandler(static (_, _) => { })
            .Build();

    /// <summary>A consumer built from <see cref="KafkaOptions.ToConsumerConfig"/>, subscribed to <paramref name="topic"/>.</summary>
    public IConsumer<string, string> CreateConsumer(string topic, string groupId)
    {
        var consumer = new ConsumerBuilder<string, string>(Options(groupId).ToConsumerConfig())
            .SetLogHandler(static (_, _) => { })
            .Build();
        consumer.Subscribe(topic);
        return consumer;
    }

    /// <summary>
    /// Polls until the group has assigned <paramref name="partitions"/> partitions to <paramref name="consumer"/>
    /// (assignment happens inside Consume, so waiting means polling). Records received meanwhile are returned.
    /// </summary>
    public static List<ConsumeResult<TKey, TValue>> WaitForAssignment<TKey, TValue>(IConsumer<TKey, TValue> consumer, int partitions)
    {
        var received = new List<ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + AssignmentTimeout;
        while (consumer.Assignment.Count < partitions)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Consumer was assigned {consumer.Assignment.Count} of {partitions} partitions within {AssignmentTimeout}.");
            }

            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                received.Add(result);
            }
        }

        return received;
    }

    /// <summary>Consumes until <paramref name="count"/> records arrived (group join included) or the timeout passes.</summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeExactly<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count, TimeSpan? timeout = null)
    {
        var received = new List<ConsumeResult<TKey, TValue>>(count);
        var deadline = DateTime.UtcNow + (timeout ?? AssignmentTimeout);
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                received.Add(result);
            }
        }

        return received;
    }

    /// <summary>Partition count of <paramref name="topic"/> as the brokers report it in metadata.</summary>
    public int PartitionCount(string topic) => PartitionCount(BootstrapServers, topic);

    /// <summary>Partition count of <paramref name="topic"/> in the cluster at <paramref name="bootstrapServers"/>.</summary>
    public static int PartitionCount(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler(static (_, _) => { })
            .Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return metadata.Topics.Single(t => t.Topic == topic).Partitions.Count;
    }

    public void Dispose() => Cluster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MockClusterCollection : ICollectionFixture<MockClusterFixture>
{
    public const string Name = "Kafka mock cluster";
}

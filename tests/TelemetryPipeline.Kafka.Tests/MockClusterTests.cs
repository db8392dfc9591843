using System.Diagnostics;
using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

[Collection(MockClusterCollection.Name)]
public sealed class MockClusterTests(MockClusterFixture fixture)
{
    [Fact]
    public void Start_ThreeBrokers_BootstrapListsThreeLoopbackAddresses()
    {
        using var cluster = MockCluster.Start(brokers: 3);

        var servers = cluster.BootstrapServers.Split(',');
        servers.Should().HaveCount(3);
        servers.Should().AllSatisfy(s => s.Should().MatchRegex(@"^(127\.0\.0\.1|localhost):\d+$"));
        cluster.BrokerCount.Should().Be(3);
    }

    [Fact]
    public void CreateTopic_EightPartitions_MetadataReportsEightPartitions()
    {
        var topic = fixture.CreateTopic("eight", partitions: 8);

        fixture.PartitionCount(topic).Should().Be(8);
    }

    [Fact]
    public void CreateTopic_AlreadyExists_ReturnsFalseAndKeepsPartitions()
    {
        var topic = fixture.CreateTopic("twice", partitions: 2);

        fixture.Cluster.CreateTopic(topic, partitions: 5).Should().BeFalse();
        fixture.PartitionCount(topic).Should().Be(2);
    }

    [Fact]
    public void CreateTopic_ReplicationAboveBrokerCount_Throws()
    {
        var act = () => fixture.Cluster.CreateTopic(MockClusterFixture.UniqueName("rf"), partitions: 1, replicationFactor: 2);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void CreateTopics_TopicNames_CreatesAllSevenWithThePartitionCount()
    {
        using var cluster = MockCluster.Start();
        var names = new TopicNames();

        cluster.CreateTopics(names, partitions: 3);

        foreach (var topic in names.All)
        {
            MockClusterFixture.PartitionCount(cluster.BootstrapServers, topic).Should().Be(3, topic);
        }
    }

    [Fact]
    public async Task Dispose_WithConnectedProducer_ReturnsPromptly()
    {
        var cluster = MockCluster.Start();
        cluster.CreateTopic("dispose.me", 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers })
            .SetLogHandler(static (_, _) => { })
            .Build();
        await producer.ProduceAsync("dispose.me", new Message<Null, string> { Value = "x" });

        var stopwatch = Stopwatch.StartNew();
        var dispose = Task.Run(cluster.Dispose);
        var finished = await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(20)));

        finished.Should().BeSameAs(dispose, $"Dispose must not hang (waited {stopwatch.Elapsed})");
    }

    [Fact]
    public void CreateTopic_AfterDispose_ThrowsObjectDisposed()
    {
        var cluster = MockCluster.Start();
        cluster.Dispose();
        cluster.Dispose();

        var act = () => cluster.CreateTopic("late", 1);

        act.Should().Throw<ObjectDisposedException>();
    }
}

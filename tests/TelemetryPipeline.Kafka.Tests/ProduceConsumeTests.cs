using System.Text;
using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

[Collection(MockClusterCollection.Name)]
public sealed class ProduceConsumeTests(MockClusterFixture fixture)
{
    [Fact]
    public void Consume_ProducedWithKeysAndHeaders_ReturnsEveryMessageInKeyOrder()
    {
        const int Count = 1000;
        var topic = fixture.CreateTopic("roundtrip", partitions: 4);
        using (var producer = fixture.CreateProducer())
        {
            for (var i = 0; i < Count; i++)
            {
                var headers = new Headers { { "source", Encoding.UTF8.GetBytes("test") }, { "seq", BitConverter.GetBytes(i) } };
                producer.Produce(topic, new Message<string, string> { Key = $"machine-{i % 10}", Value = $"reading-{i}", Headers = headers });
            }

            producer.Flush(TimeSpan.FromSeconds(30)).Should().Be(0);
        }

        using var consumer = fixture.CreateConsumer(topic, MockClusterFixture.UniqueName("group"));
        var received = MockClusterFixture.ConsumeExactly(consumer, Count);
        consumer.Close();

        received.Should().HaveCount(Count);
        received.Select(r => r.Message.Value).Should().BeEquivalentTo(Enumerable.Range(0, Count).Select(i => $"reading-{i}"));
        received.Should().AllSatisfy(r =>
        {
            var seq = BitConverter.ToInt32(r.Message.Headers.GetLastBytes("seq"));
            r.Message.Key.Should().Be($"machine-{seq % 10}");
            r.Message.Value.Should().Be($"reading-{seq}");
            Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("source")).Should().Be("test");
        });

        // Same key, same partition, produce order kept.
        foreach (var byKey in received.GroupBy(r => r.Message.Key))
        {
            byKey.Select(r => r.Partition.Value).Distinct().Should().ContainSingle();
            var seqs = byKey.Select(r => BitConverter.ToInt32(r.Message.Headers.GetLastBytes("seq"))).ToList();
            seqs.Should().BeInAscendingOrder();
        }
    }

    [Fact]
    public void Commit_ThenNextConsumerInGroup_ResumesAfterCommittedOffset()
    {
        var topic = fixture.CreateTopic("commit", partitions: 1);
        Produce(topic, 100);
        var group = MockClusterFixture.UniqueName("group");

        using (var first = fixture.CreateConsumer(topic, group))
        {
            var firstForty = MockClusterFixture.ConsumeExactly(first, 40);
            firstForty.Should().HaveCount(40);
            first.Commit(firstForty[^1]);
            first.Close();
        }

        using var second = fixture.CreateConsumer(topic, group);
        var rest = MockClusterFixture.ConsumeExactly(second, 60);
        second.Close();

        rest.Should().HaveCount(60);
        rest[0].Offset.Value.Should().Be(40);
        rest[0].Message.Value.Should().Be("m40");
    }

    [Fact]
    public void Consume_UncommittedRecords_RedeliveredToNextConsumerInGroup()
    {
        var topic = fixture.CreateTopic("redeliver", partitions: 1);
        Produce(topic, 10);
        var group = MockClusterFixture.UniqueName("group");

        using (var first = fixture.CreateConsumer(topic, group))
        {
            MockClusterFixture.ConsumeExactly(first, 10).Should().HaveCount(10);
            first.Close();
        }

        using var second = fixture.CreateConsumer(topic, group);
        var again = MockClusterFixture.ConsumeExactly(second, 10);
        second.Close();

        again.Select(r => r.Offset.Value).Should().Equal(Enumerable.Range(0, 10).Select(i => (long)i));
    }

    [Fact]
    public void Subscribe_EightPartitionTopic_AssignsAllEightToTheOnlyMember()
    {
        var topic = fixture.CreateTopic("assign", partitions: 8);

        using var consumer = fixture.CreateConsumer(topic, MockClusterFixture.UniqueName("group"));
        MockClusterFixture.WaitForAssignment(consumer, 8);
        var assigned = consumer.Assignment.Select(tp => tp.Partition.Value).Order().ToList();
        consumer.Close();

        assigned.Should().Equal(0, 1, 2, 3, 4, 5, 6, 7);
    }

    [Fact]
    public void Subscribe_SecondMemberJoins_GroupSplitsPartitionsFourAndFour()
    {
        var topic = fixture.CreateTopic("split", partitions: 8);
        var group = MockClusterFixture.UniqueName("group");
        using var first = fixture.CreateConsumer(topic, group);
        MockClusterFixture.WaitForAssignment(first, 8);

        using var second = fixture.CreateConsumer(topic, group);

        // A rebalance completes only when every member rejoins, and members rejoin from inside Consume: poll both.
        var deadline = DateTime.UtcNow + MockClusterFixture.AssignmentTimeout;
        while (!(first.Assignment.Count == 4 && second.Assignment.Count == 4) && DateTime.UtcNow < deadline)
        {
            first.Consume(TimeSpan.FromMilliseconds(50));
            second.Consume(TimeSpan.FromMilliseconds(50));
        }

        var split = first.Assignment.Concat(second.Assignment).Select(tp => tp.Partition.Value).Order().ToList();
        (first.Assignment.Count, second.Assignment.Count).Should().Be((4, 4));
        split.Should().Equal(0, 1, 2, 3, 4, 5, 6, 7);
        second.Close();
        first.Close();
    }

    private void Produce(string topic, int count)
    {
        using var producer = fixture.CreateProducer();
        for (var i = 0; i < count; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = "k", Value = $"m{i}" });
        }

        producer.Flush(TimeSpan.FromSeconds(30)).Should().Be(0);
    }
}

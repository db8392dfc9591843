using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

[Collection(MockClusterCollection.Name)]
public sealed class ConsumerCommitTests(MockClusterFixture fixture)
{
    [Theory]
    [InlineData(ErrorCode.RebalanceInProgress)]
    [InlineData(ErrorCode.IllegalGeneration)]
    [InlineData(ErrorCode.UnknownMemberId)]
    public void IsLostToRebalance_RebalanceErrors_True(ErrorCode code)
    {
        ConsumerCommit.IsLostToRebalance(new Error(code)).Should().BeTrue();
    }

    [Theory]
    [InlineData(ErrorCode.GroupAuthorizationFailed)]
    [InlineData(ErrorCode.Local_Transport)]
    [InlineData(ErrorCode.OffsetMetadataTooLarge)]
    public void IsLostToRebalance_OtherErrors_False(ErrorCode code)
    {
        ConsumerCommit.IsLostToRebalance(new Error(code)).Should().BeFalse();
    }

    [Fact]
    public void TryCommit_AssignedPartition_CommitsAndReturnsTrue()
    {
        var topic = fixture.CreateTopic("trycommit", partitions: 1);
        using (var producer = fixture.CreateProducer())
        {
            producer.Produce(topic, new Message<string, string> { Key = "k", Value = "v" });
            producer.Flush(TimeSpan.FromSeconds(30)).Should().Be(0);
        }

        using var consumer = fixture.CreateConsumer(topic, MockClusterFixture.UniqueName("group"));
        var record = MockClusterFixture.ConsumeExactly(consumer, 1).Single();

        var committed = ConsumerCommit.TryCommit(consumer, [new TopicPartitionOffset(record.TopicPartition, record.Offset + 1)]);

        committed.Should().BeTrue();
        consumer.Committed([record.TopicPartition], TimeSpan.FromSeconds(10)).Single().Offset.Value.Should().Be(1);
        consumer.Close();
    }
}

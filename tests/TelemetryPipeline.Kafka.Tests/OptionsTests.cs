using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

public sealed class KafkaOptionsTests
{
    private static readonly KafkaOptions s_valid = new() { BootstrapServers = "127.0.0.1:9092" };

    [Fact]
    public void Validate_DefaultsWithBootstrap_Passes()
    {
        var act = s_valid.Validate;

        act.Should().NotThrow();
    }

    [Fact]
    public void Validate_SessionTimeoutTooLow_NamesKeyAndRange()
    {
        var options = s_valid with { SessionTimeoutMs = 2000 };

        var error = options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>().Which;

        error.Key.Should().Be("Kafka:SessionTimeoutMs");
        error.Message.Should().StartWith("Kafka:SessionTimeoutMs must be between 3000 and 300000");
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:9092,:9093")]
    public void Validate_BadBootstrapServers_NamesKey(string servers)
    {
        var options = s_valid with { BootstrapServers = servers };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:BootstrapServers");
    }

    [Theory]
    [InlineData("")]
    [InlineData("fetch; rm")]
    [InlineData("Consumer")]
    public void Validate_BadDebugContexts_NamesKey(string debug)
    {
        var options = s_valid with { Debug = debug };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:Debug");
    }

    [Fact]
    public void ToConsumerConfig_DebugAndCommitInterval_DebugPassedAndCommitsStayManual()
    {
        ConsumerConfig config = (s_valid with { Debug = "consumer,fetch", CommitIntervalMs = 500 }).ToConsumerConfig();

        config.Debug.Should().Be("consumer,fetch");
        config.EnableAutoCommit.Should().BeFalse("the ingest pipeline turns background commits of stored offsets on itself");
        s_valid.Invoking(o => (o with { CommitIntervalMs = -1 }).Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:CommitIntervalMs");
    }

    [Fact]
    public void TopicNames_Prefixed_PutsThePrefixBeforeEveryDefaultName()
    {
        TopicNames topics = TopicNames.Prefixed("t7");

        topics.Telemetry.Should().Equal("t7.equipment.usage", "t7.equipment.idle", "t7.equipment.fuel");
        topics.Dlq.Should().Be("t7.equipment.telemetry.dlq");
        topics.Rates.Should().Be("t7.equipment.rates");
    }

    [Fact]
    public void Validate_HeartbeatNotBelowSessionTimeout_NamesKey()
    {
        var options = s_valid with { HeartbeatIntervalMs = 6000 };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:HeartbeatIntervalMs");
    }

    [Fact]
    public void Validate_UnknownCompression_ListsAllowedValues()
    {
        var options = s_valid with { CompressionType = "brotli" };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .WithMessage("Kafka:CompressionType must be one of none, gzip, snappy, lz4, zstd (got 'brotli').");
    }

    [Fact]
    public void Validate_PartitionFetchAboveFetchMax_NamesKey()
    {
        var options = s_valid with { FetchMaxBytes = 1_000_000, MaxPartitionFetchBytes = 2_000_000 };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:MaxPartitionFetchBytes");
    }

    [Fact]
    public void Validate_BadTopicName_NamesNestedKey()
    {
        var options = s_valid with { Topics = new TopicNames { Fuel = "fuel topic" } };

        options.Invoking(o => o.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:Topics:Fuel");
    }

    [Fact]
    public void ToConsumerConfig_Defaults_ManualCommitsFromEarliest()
    {
        var config = s_valid.ToConsumerConfig();

        config.BootstrapServers.Should().Be("127.0.0.1:9092");
        config.GroupId.Should().Be("telemetry-pipeline");
        config.EnableAutoCommit.Should().BeFalse();
        config.EnableAutoOffsetStore.Should().BeFalse();
        config.AutoOffsetReset.Should().Be(AutoOffsetReset.Earliest);
        config.SessionTimeoutMs.Should().Be(6000);
        config.PartitionAssignmentStrategy.Should().Be(PartitionAssignmentStrategy.RoundRobin);
    }

    [Fact]
    public void ToProducerConfig_Defaults_Lz4AcksAllNotIdempotent()
    {
        var config = s_valid.ToProducerConfig();

        config.CompressionType.Should().Be(CompressionType.Lz4);
        config.Acks.Should().Be(Acks.All);
        config.EnableIdempotence.Should().BeFalse();
        config.LingerMs.Should().Be(5);
    }

    [Theory]
    [InlineData("none", CompressionType.None)]
    [InlineData("gzip", CompressionType.Gzip)]
    [InlineData("snappy", CompressionType.Snappy)]
    [InlineData("lz4", CompressionType.Lz4)]
    [InlineData("zstd", CompressionType.Zstd)]
    public void ToProducerConfig_CompressionName_MapsToConfluentValue(string name, CompressionType expected)
    {
        (s_valid with { CompressionType = name }).ToProducerConfig().CompressionType.Should().Be(expected);
    }
}

public sealed class TopicNamesTests
{
    [Fact]
    public void Defaults_AllSeven_AreTheDocumentedNames()
    {
        new TopicNames().All.Should().Equal(
            "equipment.usage", "equipment.idle", "equipment.fuel",
            "equipment.assignments", "equipment.aliases", "equipment.rates",
            "equipment.telemetry.dlq");
    }

    [Fact]
    public void Telemetry_Defaults_AreUsageIdleFuel()
    {
        new TopicNames().Telemetry.Should().Equal("equipment.usage", "equipment.idle", "equipment.fuel");
    }

    [Fact]
    public void MasterData_Defaults_AreAssignmentsAliasesRates()
    {
        new TopicNames().MasterData.Should().Equal("equipment.assignments", "equipment.aliases", "equipment.rates");
    }

    [Fact]
    public void Validate_Defaults_Passes()
    {
        new TopicNames().Invoking(t => t.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Validate_DuplicateName_NamesBothKeys()
    {
        var names = new TopicNames { Rates = "equipment.idle" };

        names.Invoking(t => t.Validate()).Should().Throw<KafkaSetupException>()
            .WithMessage("Kafka:Topics:Rates must differ from Kafka:Topics:Idle (both are 'equipment.idle').");
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("equipment/usage")]
    [InlineData("équipement")]
    public void Validate_IllegalName_NamesKey(string name)
    {
        var names = new TopicNames { Usage = name };

        names.Invoking(t => t.Validate()).Should().Throw<KafkaSetupException>()
            .Which.Key.Should().Be("Kafka:Topics:Usage");
    }
}

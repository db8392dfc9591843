using Confluent.Kafka;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Ingest.Tests.Generator;

/// <summary>The generate verb against librdkafka's in-process mock cluster.</summary>
public sealed class GenerateCommandTests
{
    private const int Partitions = 4;

    [Fact]
    public async Task RunAsync_MockCluster_ProducesEveryRecordInOrderPerKey()
    {
        using var cluster = MockCluster.Start();
        string run = Guid.NewGuid().ToString("N")[..8];
        var topics = new TopicNames
        {
            Usage = "u-" + run, Idle = "i-" + run, Fuel = "f-" + run, Assignments = "a-" + run, Aliases = "al-" + run, Rates = "r-" + run, Dlq = "d-" + run,
        };
        cluster.CreateTopics(topics, Partitions);
        var options = new GenerateOptions
        {
            Scenario = new ScenarioOptions { End = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), Machines = 12, Days = 2 },
            ProgressBar = false,
            ProgressInterval = TimeSpan.FromMilliseconds(100),
        };
        var output = new StringWriter();

        int exit = await GenerateCommand.RunAsync(options, cluster.BootstrapServers, topics, output, CancellationToken.None);

        exit.Should().Be(0, output.ToString());
        var expected = new FleetScenario(options.Scenario, new CodecTelemetryEncoder()).Generate().ToList();
        var counts = new RecordCounts();
        expected.ForEach(counts.Add);
        output.ToString().Should().StartWith("scenario seed=42: 12 machines").And.Contain("7=EquipmentUsage.v1")
            .And.EndWith(counts + Environment.NewLine);

        var consumed = Consume(cluster.BootstrapServers, topics.All.Take(6), expected.Count);
        consumed.Should().HaveCount(expected.Count);
        string TopicOf(GeneratedRecord r) => r.Topic switch
        {
            GeneratedTopic.Usage => topics.Usage,
            GeneratedTopic.Idle => topics.Idle,
            GeneratedTopic.Fuel => topics.Fuel,
            GeneratedTopic.Assignments => topics.Assignments,
            GeneratedTopic.Aliases => topics.Aliases,
            _ => topics.Rates,
        };
        var expectedPerKey = expected.GroupBy(r => (TopicOf(r), r.Key)).ToDictionary(g => g.Key, g => g.Select(r => Convert.ToHexString(r.Value)).ToList());
        var consumedPerKey = consumed.GroupBy(r => (r.Topic, r.Message.Key)).ToDictionary(g => g.Key, g => g.Select(r => Convert.ToHexString(r.Message.Value)).ToList());
        consumedPerKey.Keys.Should().BeEquivalentTo(expectedPerKey.Keys);
        foreach (var (key, values) in expectedPerKey)
        {
            consumedPerKey[key].Should().Equal(values, $"records of {key} keep their produce order");
        }
    }

    [Fact]
    public async Task RunAsync_Cancelled_Returns130()
    {
        using var cluster = MockCluster.Start();
        string run = Guid.NewGuid().ToString("N")[..8];
        var topics = new TopicNames
        {
            Usage = "u-" + run, Idle = "i-" + run, Fuel = "f-" + run, Assignments = "a-" + run, Aliases = "al-" + run, Rates = "r-" + run, Dlq = "d-" + run,
        };
        cluster.CreateTopics(topics, 1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        int exit = await GenerateCommand.RunAsync(
            new GenerateOptions { ProgressBar = false, Scenario = new ScenarioOptions { Machines = 5, Days = 1 } }, cluster.BootstrapServers, topics, TextWriter.Null, cts.Token);

        exit.Should().Be(130);
    }

    private static List<ConsumeResult<string, byte[]>> Consume(string bootstrap, IEnumerable<string> topics, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "generator-tests",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(topics.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(t, p, Offset.Beginning))));
        var results = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        return results;
    }
}

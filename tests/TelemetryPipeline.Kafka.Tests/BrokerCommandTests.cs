using System.Text;

namespace TelemetryPipeline.Kafka.Tests;

public sealed class BrokerCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_Started_PrintsBootstrapLineFirstAndCreatesTopics()
    {
        using var cts = new CancellationTokenSource();
        var output = new FirstLineWriter();
        var topics = new TopicNames { Usage = MockClusterFixture.UniqueName("usage") };

        var run = BrokerCommand.RunAsync(partitions: 4, brokers: 1, topics, output, cts.Token);
        var firstLine = await output.FirstLine.WaitAsync(s_timeout);

        try
        {
            firstLine.Should().MatchRegex(@"^bootstrap=[^,\s]+:\d+$");
            var bootstrap = firstLine["bootstrap=".Length..];
            MockClusterFixture.PartitionCount(bootstrap, topics.Usage).Should().Be(4);
            MockClusterFixture.PartitionCount(bootstrap, topics.Rates).Should().Be(4);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(s_timeout);
        }
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAndReturnsZero()
    {
        using var cts = new CancellationTokenSource();
        var output = new FirstLineWriter();

        var run = BrokerCommand.RunAsync(partitions: 1, brokers: 2, new TopicNames(), output, cts.Token);
        await output.FirstLine.WaitAsync(s_timeout);
        run.IsCompleted.Should().BeFalse("the broker serves until cancelled");
        await cts.CancelAsync();

        (await run.WaitAsync(s_timeout)).Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_DuplicateTopicNames_ThrowsNamingTheKey()
    {
        var topics = new TopicNames { Dlq = "equipment.usage" };

        var act = () => BrokerCommand.RunAsync(1, 1, topics, TextWriter.Null, CancellationToken.None);

        (await act.Should().ThrowAsync<KafkaSetupException>()).Which.Key.Should().Be("Kafka:Topics:Dlq");
    }

    /// <summary>Captures the first complete line written, from whatever thread writes it.</summary>
    private sealed class FirstLineWriter : TextWriter
    {
        private readonly StringBuilder _line = new();
        private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> FirstLine => _firstLine.Task;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    _firstLine.TrySetResult(_line.ToString().TrimEnd('\r'));
                }
                else if (!_firstLine.Task.IsCompleted)
                {
                    _line.Append(value);
                }
            }
        }
    }
}

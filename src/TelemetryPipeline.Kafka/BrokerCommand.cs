namespace TelemetryPipeline.Kafka;

/// <summary>The host's <c>broker</c> verb: an embedded mock Kafka cluster with the pipeline's topics, until cancelled.</summary>
public static class BrokerCommand
{
    /// <summary>
    /// Starts a mock cluster of <paramref name="brokers"/> brokers, creates every topic of
    /// <paramref name="topics"/> with <paramref name="partitions"/> partitions, writes
    /// <c>bootstrap=HOST:PORT[,…]</c> as its first line (flushed, for scripts to read), then serves until
    /// <paramref name="ct"/> is cancelled (the host maps SIGINT/SIGTERM to it), stops the cluster and returns 0.
    /// </summary>
    public static async Task<int> RunAsync(int partitions, int brokers, TopicNames topics, TextWriter output, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(output);
        topics.Validate();

        using var cluster = MockCluster.Start(brokers);
        cluster.CreateTopics(topics, partitions);

        await output.WriteLineAsync($"bootstrap={cluster.BootstrapServers}").ConfigureAwait(false);
        await output.WriteLineAsync($"topics={string.Join(',', topics.All)} partitions={partitions} brokers={brokers}").ConfigureAwait(false);
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancellation is how the verb is told to stop; it is the normal exit.
        }

        return 0;
    }
}

using System.CommandLine;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Verbs;

/// <summary><c>broker</c>: librdkafka's mock cluster in-process, with the project's topics, until SIGINT/SIGTERM.</summary>
internal static class BrokerVerb
{
    public static Command Create()
    {
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions per topic (the mock cluster keeps at most 5 MiB per partition: use many for big runs).",
            DefaultValueFactory = _ => 8,
        };
        var brokers = new Option<int>("--brokers") { Description = "Brokers in the mock cluster.", DefaultValueFactory = _ => 1 };
        var command = new Command(
            "broker",
            "Start an embedded Kafka (librdkafka mock cluster) on 127.0.0.1, create the topics, print 'bootstrap=HOST:PORT' "
            + "and run until SIGINT/SIGTERM. For tests and demos; production uses Apache Kafka.")
        {
            partitions,
            brokers,
        };
        VerbAction.Set(command, (context, cancellationToken) =>
        {
            var kafka = context.Bind<KafkaOptions>(KafkaOptions.Section);
            kafka.Topics.Validate();
            return BrokerCommand.RunAsync(
                context.Parse.GetValue(partitions), context.Parse.GetValue(brokers), kafka.Topics, Console.Out, cancellationToken);
        });
        return command;
    }
}

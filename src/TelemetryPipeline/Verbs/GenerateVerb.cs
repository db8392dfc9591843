using System.CommandLine;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Verbs;

/// <summary><c>generate</c>: a seeded, realistic fleet scenario into Kafka.</summary>
internal static class GenerateVerb
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka bootstrap servers (default: Kafka:BootstrapServers)." };
        var machines = new Option<int>("--machines") { Description = "Fleet size.", DefaultValueFactory = _ => 50 };
        var projects = new Option<int>("--projects") { Description = "Number of projects.", DefaultValueFactory = _ => 5 };
        var days = new Option<int>("--days") { Description = $"Days of data ending today 00:00 UTC (at most {ScenarioOptions.MaxDays}).", DefaultValueFactory = _ => 7 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same records, byte for byte.", DefaultValueFactory = _ => 42 };
        var duplicates = new Option<double>("--duplicates") { Description = "Share of telemetry re-sent as exact duplicates (0..1).", DefaultValueFactory = _ => 0.10 };
        var events = new Option<long?>("--events") { Description = "Approximate number of telemetry records (raises --machines to get there), e.g. 1000000." };
        var malformed = new Option<int>("--malformed") { Description = "Number of malformed records (each with a different rejection reason).", DefaultValueFactory = _ => 13 };
        var command = new Command(
            "generate",
            "Produce a realistic construction-fleet scenario to Kafka: usage, idle and fuel events (deltas and cumulative meters, "
            + "BURN and FILL), aliases, assignments and rates on their compacted topics, exact duplicates, out-of-order and late "
            + "events, meter resets and anomalies, and malformed records. Ends with a count line.")
        {
            bootstrap, machines, projects, days, seed, duplicates, events, malformed,
        };
        VerbAction.Set(command, (context, cancellationToken) =>
        {
            ParseResult parse = context.Parse;
            var kafka = context.Bind<KafkaOptions>(KafkaOptions.Section);
            var options = new GenerateOptions
            {
                Scenario = new ScenarioOptions
                {
                    Seed = parse.GetValue(seed),
                    Machines = parse.GetValue(machines),
                    Projects = parse.GetValue(projects),
                    Days = parse.GetValue(days),
                    DuplicateShare = parse.GetValue(duplicates),
                    TargetEvents = parse.GetValue(events),
                    MalformedCount = parse.GetValue(malformed),
                },
            };
            return GenerateCommand.RunAsync(
                options, parse.GetValue(bootstrap) ?? kafka.BootstrapServers, kafka.Topics, Console.Out, cancellationToken);
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Perf.Load;

namespace TelemetryPipeline.Perf;

/// <summary>The sub-commands and their options; each action only binds options and calls its stage.</summary>
internal static class PerfCommands
{
    public static IEnumerable<Command> All() => [Load(), Report(), Settle.SettleCommand.Create(), Odoo.OdooCommand.Create(), Micro.MicroCommand.Create(), Broker(), Pace()];

    /// <summary>perf/results under the repository root when run from inside the repository, else ./perf-results.</summary>
    public static string DefaultResultsDirectory()
    {
        for (DirectoryInfo? dir = new(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TelemetryPipeline.sln")))
            {
                return Path.Combine(dir.FullName, "perf", "results");
            }
        }

        return Path.Combine(Environment.CurrentDirectory, "perf-results");
    }

    public static string CommandLine() => "TelemetryPipeline.Perf " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

    private static Command Load()
    {
        var d = new LoadOptions();
        var events = new Option<long>("--events") { Description = "Telemetry records produced once and consumed by every contender.", DefaultValueFactory = _ => d.Events };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per telemetry topic (each keeps ~5 MiB on the mock cluster).", DefaultValueFactory = _ => d.Partitions };
        var contenders = new Option<string>("--contenders") { Description = "Comma-separated, in order: bare, naive, tp.", DefaultValueFactory = _ => string.Join(',', d.Contenders) };
        var naiveEvents = new Option<long?>("--naive-events") { Description = "Most records the naive reference processes (it is slow by design); default all." };
        var noPaced = new Option<bool>("--no-paced") { Description = "Skip the paced latency mode." };
        var pacedRate = new Option<double?>("--paced-rate") { Description = "Paced rate, events/s (default: half of tp's drain rate in this run)." };
        var pacedSeconds = new Option<double>("--paced-seconds") { Description = "Paced mode duration in seconds.", DefaultValueFactory = _ => d.PacedSeconds };
        var startDelay = new Option<double>("--paced-start-delay") { Description = "Seconds from the paced consumer's assignment to the first paced record.", DefaultValueFactory = _ => d.PacedStartDelaySeconds };
        var sample = new Option<int>("--latency-sample") { Description = "One latency sample per this many records (power of two).", DefaultValueFactory = _ => d.LatencySampleEvery };
        var broker = new Option<BrokerMode>("--broker") { Description = "Process (child process, default) or InProcess.", DefaultValueFactory = _ => d.Broker };
        var output = new Option<string?>("--out") { Description = "Results directory (default: perf/results of this repository)." };
        var seed = new Option<int>("--seed") { Description = "Scenario seed.", DefaultValueFactory = _ => d.Seed };
        var label = new Option<string>("--label") { Description = "File name prefix of the results.", DefaultValueFactory = _ => d.Label };
        var timeout = new Option<double>("--timeout-minutes") { Description = "Longest one contender may take.", DefaultValueFactory = _ => d.ContenderTimeout.TotalMinutes };
        var batchSize = new Option<int>("--batch-size") { Description = "Ingest:BatchSize.", DefaultValueFactory = _ => d.BatchSize };
        var linger = new Option<int>("--linger-ms") { Description = "Ingest:BatchLingerMs.", DefaultValueFactory = _ => d.BatchLingerMs };
        var parallelism = new Option<int>("--decode-parallelism") { Description = "Ingest:DecodeParallelism.", DefaultValueFactory = _ => d.DecodeParallelism };
        var inFlight = new Option<int>("--max-batches-in-flight") { Description = "Ingest:MaxBatchesInFlight.", DefaultValueFactory = _ => d.MaxBatchesInFlight };
        var fetchMax = new Option<int>("--fetch-max-bytes") { Description = "Kafka:FetchMaxBytes.", DefaultValueFactory = _ => d.FetchMaxBytes };
        var partitionFetch = new Option<int>("--max-partition-fetch-bytes") { Description = "Kafka:MaxPartitionFetchBytes.", DefaultValueFactory = _ => d.MaxPartitionFetchBytes };
        var fetchWait = new Option<int>("--fetch-wait-max-ms") { Description = "Kafka:FetchWaitMaxMs.", DefaultValueFactory = _ => d.FetchWaitMaxMs };
        var queued = new Option<int>("--queued-max-kbytes") { Description = "Kafka:QueuedMaxMessagesKbytes.", DefaultValueFactory = _ => d.QueuedMaxMessagesKbytes };
        var kafkaDebug = new Option<string?>("--kafka-debug") { Description = "Kafka:Debug: librdkafka debug contexts for the contenders' consumers (e.g. consumer,fetch), written to stderr." };
        var command = new Command(
            "load",
            "End-to-end load run: produce N generated events into the mock cluster once, then measure side by side a bare consume "
            + "loop (ceiling), a naive per-event SET NX/HINCRBY pipeline and TelemetryPipeline run (each its own group and Redis), "
            + "then TelemetryPipeline against a paced producer at half its rate. Prints a table and writes JSON + SVG.")
        {
            events, partitions, contenders, naiveEvents, noPaced, pacedRate, pacedSeconds, startDelay, sample, broker, output, seed, label, timeout,
            batchSize, linger, parallelism, inFlight, fetchMax, partitionFetch, fetchWait, queued, kafkaDebug,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new LoadOptions
            {
                Events = parse.GetValue(events),
                Partitions = parse.GetValue(partitions),
                Contenders = (parse.GetValue(contenders) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                NaiveEvents = parse.GetValue(naiveEvents),
                Paced = !parse.GetValue(noPaced),
                PacedRate = parse.GetValue(pacedRate),
                PacedSeconds = parse.GetValue(pacedSeconds),
                PacedStartDelaySeconds = parse.GetValue(startDelay),
                LatencySampleEvery = parse.GetValue(sample),
                Broker = parse.GetValue(broker),
                OutputDirectory = parse.GetValue(output) ?? DefaultResultsDirectory(),
                Seed = parse.GetValue(seed),
                Label = parse.GetValue(label) ?? "load",
                ContenderTimeout = TimeSpan.FromMinutes(parse.GetValue(timeout)),
                BatchSize = parse.GetValue(batchSize),
                BatchLingerMs = parse.GetValue(linger),
                DecodeParallelism = parse.GetValue(parallelism),
                MaxBatchesInFlight = parse.GetValue(inFlight),
                FetchMaxBytes = parse.GetValue(fetchMax),
                MaxPartitionFetchBytes = parse.GetValue(partitionFetch),
                FetchWaitMaxMs = parse.GetValue(fetchWait),
                QueuedMaxMessagesKbytes = parse.GetValue(queued),
                KafkaDebug = parse.GetValue(kafkaDebug),
            };
            return await Guard(() => RunLoadAsync(options, Console.Out, CommandLine(), cancellationToken)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs a load run, prints the table and the targets, writes the files; returns the JSON path.</summary>
    public static async Task<string> RunLoadAsync(LoadOptions options, TextWriter output, string commandLine, CancellationToken cancellationToken)
    {
        LoadRunResult result = await new LoadHarness(options, output).RunAsync(commandLine, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(LoadReport.Table(result)).ConfigureAwait(false);
        await output.WriteLineAsync(LoadReport.TargetsTable(result.Targets)).ConfigureAwait(false);
        string path = LoadReport.Write(result, options.OutputDirectory);
        await output.WriteLineAsync("results: " + path).ConfigureAwait(false);
        return path;
    }

    /// <summary>Turns bad options into one line and exit code 2, cancellation into 130.</summary>
    public static async Task<int> Guard(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaSetupException)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
    }

    private static Command Report()
    {
        var json = new Argument<string>("json") { Description = "A load result (e.g. perf/results/load-latest.json)." };
        var command = new Command("report", "Prints the tables of a load result again and rewrites its .svg and .md next to it.") { json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(json)!;
            LoadRunResult run = System.Text.Json.JsonSerializer.Deserialize<LoadRunResult>(File.ReadAllText(path), LoadReport.Json)
                ?? throw new ArgumentException($"{path} holds no load result.");
            Console.WriteLine(LoadReport.Table(run));
            Console.WriteLine(LoadReport.TargetsTable(run.Targets));
            File.WriteAllText(Path.ChangeExtension(path, ".svg"), LoadReport.Svg(run));
            File.WriteAllText(Path.ChangeExtension(path, ".md"), LoadReport.Table(run) + Environment.NewLine + LoadReport.TargetsTable(run.Targets));
            return 0;
        });
        return command;
    }

    private static Command Broker()
    {
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 16 };
        var topics = new Option<string>("--topics") { DefaultValueFactory = _ => string.Empty };
        var command = new Command("broker", "(internal) the load run's mock cluster in a child process.") { partitions, topics };
        command.Hidden = true;
        command.SetAction(parse => ChildBrokerCommand.Run(parse.GetValue(partitions), (parse.GetValue(topics) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)));
        return command;
    }

    private static Command Pace()
    {
        var bootstrap = new Option<string>("--bootstrap") { DefaultValueFactory = _ => string.Empty };
        var from = new Option<string>("--from") { DefaultValueFactory = _ => "load" };
        var to = new Option<string>("--to") { DefaultValueFactory = _ => "paced" };
        var rate = new Option<double>("--rate") { DefaultValueFactory = _ => 10_000 };
        var events = new Option<long>("--events") { DefaultValueFactory = _ => 100_000 };
        var command = new Command("pace", "(internal) the load run's paced producer in a child process.") { bootstrap, from, to, rate, events };
        command.Hidden = true;
        command.SetAction(parse => PaceCommand.Run(
            parse.GetValue(bootstrap) ?? string.Empty, parse.GetValue(from) ?? "load", parse.GetValue(to) ?? "paced", parse.GetValue(rate), parse.GetValue(events)));
        return command;
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

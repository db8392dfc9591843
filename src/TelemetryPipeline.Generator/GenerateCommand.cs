using System.Globalization;
using Spectre.Console;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Generator;

/// <summary>The <c>generate</c> verb: a realistic fleet week into Kafka, with progress and a final count line.</summary>
public static class GenerateCommand
{
    /// <summary>
    /// Produces the scenario of <paramref name="options"/> to <paramref name="bootstrapServers"/>. Writes a progress
    /// bar when stdout is a terminal (plain lines otherwise) and ends with
    /// <c>generated N records: usage=… idle=… fuel=… master=… duplicates=… malformed=… late=…</c>.
    /// Returns 0 when every record was acknowledged, 1 when some failed, 130 when cancelled.
    /// </summary>
    public static async Task<int> RunAsync(
        GenerateOptions options, string bootstrapServers, TopicNames topics, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        topics.Validate();

        var scenario = new FleetScenario(options.Scenario, new CodecTelemetryEncoder());
        await output.WriteLineAsync(Describe(scenario)).ConfigureAwait(false);
        using var producer = new FleetProducer(bootstrapServers, topics, options);
        bool bar = options.ProgressBar ?? (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        RecordCounts? last = null;
        ProduceResult result;
        try
        {
            if (bar)
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask("producing", maxValue: scenario.EstimatedRecordCount);
                        var produced = await producer.ProduceAsync(
                            scenario.Generate(),
                            counts =>
                            {
                                last = counts;
                                if ((counts.Total & 1023) == 0)
                                {
                                    task.MaxValue = Math.Max(task.MaxValue, counts.Total);
                                    task.Value = counts.Total;
                                    task.Description = "producing " + counts.Total.ToString(CultureInfo.InvariantCulture);
                                }
                            },
                            ct).ConfigureAwait(false);
                        task.MaxValue = produced.Counts.Total;
                        task.Value = produced.Counts.Total;
                        return produced;
                    }).ConfigureAwait(false);
            }
            else
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var next = options.ProgressInterval;
                result = await producer.ProduceAsync(
                    scenario.Generate(),
                    counts =>
                    {
                        last = counts;
                        if ((counts.Total & 1023) == 0 && clock.Elapsed >= next)
                        {
                            next = clock.Elapsed + options.ProgressInterval;
                            output.WriteLine(string.Create(
                                CultureInfo.InvariantCulture,
                                $"produced {counts.Total} of ~{scenario.EstimatedRecordCount} records ({counts.Total / clock.Elapsed.TotalSeconds:0}/s), {producer.InFlight} in flight"));
                        }
                    },
                    ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"cancelled: {(last?.Total ?? 0)} records handed to the producer, {producer.Delivered} acknowledged")).ConfigureAwait(false);
            return 130;
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"delivered {result.Delivered} records in {result.Elapsed.TotalSeconds:0.0} s ({result.Delivered / Math.Max(result.Elapsed.TotalSeconds, 0.001):0}/s), {result.Failed} failed")).ConfigureAwait(false);
        if (result.FirstError is { } error)
        {
            await output.WriteLineAsync("first delivery error: " + error).ConfigureAwait(false);
        }

        await output.WriteLineAsync(result.Counts.ToString()).ConfigureAwait(false);
        return result.Failed == 0 ? 0 : 1;
    }

    /// <summary>One line describing the scenario: window, fleet, processing time and the schema ids to configure.</summary>
    public static string Describe(FleetScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var o = scenario.Options;
        static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        string ids = string.Join(", ", GeneratorSchemaIds.Map.OrderBy(p => p.Key).Select(p => p.Key.ToString(CultureInfo.InvariantCulture) + "=" + p.Value));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"scenario seed={o.Seed}: {scenario.Machines.Count} machines, {scenario.Projects.Count} projects, {o.Days} days [{Time(scenario.StartMs)}, {Time(scenario.EndMs)}), now={Time(scenario.NowMs)}; Confluent schema ids {ids}");
    }
}

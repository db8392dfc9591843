using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TelemetryPipeline.Perf.Load;

namespace TelemetryPipeline.Perf.Settle;

/// <summary><c>settle</c>: a day of N machines × 96 buckets settled and staged, twice.</summary>
internal static class SettleCommand
{
    public static Command Create()
    {
        var d = new SettleOptions();
        var machines = new Option<int>("--machines") { Description = "Machines with a full day of 96 buckets.", DefaultValueFactory = _ => d.Machines };
        var projects = new Option<int>("--projects") { Description = "Projects the machines are assigned to.", DefaultValueFactory = _ => d.Projects };
        var costCodes = new Option<int>("--cost-codes") { Description = "Cost codes per project.", DefaultValueFactory = _ => d.CostCodes };
        var ledger = new Option<string>("--ledger") { Description = "memory (settlement's own cost) or postgres (the real ledger in a throwaway cluster).", DefaultValueFactory = _ => d.Ledger };
        var output = new Option<string?>("--out") { Description = "Results directory (default: perf/results of this repository)." };
        var label = new Option<string>("--label") { Description = "File name prefix of the results.", DefaultValueFactory = _ => d.Label };
        var command = new Command(
            "settle",
            "Settlement benchmark: a day of N machines × 96 buckets (operating, idle, fuel) written through the real Redis store, "
            + "settled by SettlementRunner and staged, then settled again (idempotent). Reports read / calculate / ledger time.")
        {
            machines, projects, costCodes, ledger, output, label,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new SettleOptions
            {
                Machines = parse.GetValue(machines),
                Projects = parse.GetValue(projects),
                CostCodes = parse.GetValue(costCodes),
                Ledger = parse.GetValue(ledger) ?? "memory",
                OutputDirectory = parse.GetValue(output) ?? PerfCommands.DefaultResultsDirectory(),
                Label = parse.GetValue(label) ?? d.Label,
            };
            return PerfCommands.Guard(() => RunAsync(options, Console.Out, PerfCommands.CommandLine(), cancellationToken));
        });
        return command;
    }

    public static async Task<string> RunAsync(SettleOptions options, TextWriter output, string commandLine, CancellationToken cancellationToken)
    {
        SettleResult result = await SettlementBenchmark.RunAsync(options, output, commandLine, cancellationToken).ConfigureAwait(false);
        return ResultFiles.Write(options.OutputDirectory, options.Label, JsonSerializer.Serialize(result, LoadReport.Json), output);
    }
}

/// <summary>Writes <c>{label}-{time}.json</c> and <c>{label}-latest.json</c>.</summary>
internal static class ResultFiles
{
    public static string Write(string directory, string label, string json, TextWriter output)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"{label}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, json);
        File.WriteAllText(Path.Combine(directory, $"{label}-latest.json"), json);
        output.WriteLine("results: " + path);
        return path;
    }
}

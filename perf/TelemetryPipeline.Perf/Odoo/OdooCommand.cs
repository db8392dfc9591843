using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TelemetryPipeline.Perf.Load;
using TelemetryPipeline.Perf.Settle;

namespace TelemetryPipeline.Perf.Odoo;

/// <summary><c>odoo</c>: posting throughput against the emulator, batched vs one call per record.</summary>
internal static class OdooCommand
{
    public static Command Create()
    {
        var d = new OdooBenchOptions();
        var allocations = new Option<int>("--allocations") { Description = "Allocations posted per run.", DefaultValueFactory = _ => d.Allocations };
        var lines = new Option<int>("--lines") { Description = "Equipment lines (Odoo records) per allocation.", DefaultValueFactory = _ => d.LinesPerAllocation };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Comma-separated Odoo:BatchSize values to compare (1 = one call per record).", DefaultValueFactory = _ => string.Join(',', d.BatchSizes) };
        var protocol = new Option<string>("--protocol") { Description = "json2 or jsonrpc.", DefaultValueFactory = _ => d.Protocol };
        var delay = new Option<double>("--server-delay-ms") { Description = "Simulated server time per request (a real Odoo takes tens of ms).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Results directory (default: perf/results of this repository)." };
        var label = new Option<string>("--label") { Description = "File name prefix of the results.", DefaultValueFactory = _ => d.Label };
        var command = new Command(
            "odoo",
            "Odoo posting benchmark: approved allocations posted through OdooPoster to the test kit's Odoo emulator, once per "
            + "batch size (default 100 and 1), each against a fresh emulator: records/s and HTTP requests per 1,000 records.")
        {
            allocations, lines, batchSizes, protocol, delay, output, label,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new OdooBenchOptions
            {
                Allocations = parse.GetValue(allocations),
                LinesPerAllocation = parse.GetValue(lines),
                BatchSizes = [.. (parse.GetValue(batchSizes) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(static s => int.Parse(s, CultureInfo.InvariantCulture))],
                Protocol = parse.GetValue(protocol) ?? d.Protocol,
                ServerDelay = TimeSpan.FromMilliseconds(parse.GetValue(delay)),
                OutputDirectory = parse.GetValue(output) ?? PerfCommands.DefaultResultsDirectory(),
                Label = parse.GetValue(label) ?? d.Label,
            };
            return PerfCommands.Guard(() => RunAsync(options, Console.Out, PerfCommands.CommandLine(), cancellationToken));
        });
        return command;
    }

    public static async Task<string> RunAsync(OdooBenchOptions options, TextWriter output, string commandLine, CancellationToken cancellationToken)
    {
        OdooBenchResult result = await OdooPostingBenchmark.RunAsync(options, output, commandLine, cancellationToken).ConfigureAwait(false);
        return ResultFiles.Write(options.OutputDirectory, options.Label, JsonSerializer.Serialize(result, LoadReport.Json), output);
    }
}

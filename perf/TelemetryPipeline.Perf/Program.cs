using System.CommandLine;
using TelemetryPipeline.Perf;

// Wiring only: each sub-command lives in its folder (Load/, Settle/, Odoo/, Micro/).
var root = new RootCommand(
    "TelemetryPipeline performance harness: the end-to-end load run (load), the settlement and Odoo posting benchmarks "
    + "(settle, odoo) and BenchmarkDotNet micro-benchmarks (micro). Results go to perf/results/ (see its README.md).");
foreach (Command command in PerfCommands.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();

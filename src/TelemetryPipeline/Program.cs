using System.CommandLine;
using TelemetryPipeline.Verbs;

// Wiring only: each verb lives in Verbs/ and calls into the stage projects.
var root = new RootCommand(
    "TelemetryPipeline: equipment usage, idle and fuel events (Kafka, Avro) -> deduplicated 15-minute buckets (Redis) -> "
    + "job-cost allocations that finance approves and that are posted to Odoo, never twice.\n"
    + "Configuration: appsettings.json, --config FILE, then environment variables TP__Section__Key.");
root.Options.Add(VerbAction.ConfigOption);
foreach (Command verb in Verbs.All())
{
    root.Subcommands.Add(verb);
}

return await root.Parse(args).InvokeAsync();

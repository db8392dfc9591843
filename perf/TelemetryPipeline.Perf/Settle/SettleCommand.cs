using System.CommandLine;

namespace TelemetryPipeline.Perf.Settle;

internal static class SettleCommand
{
    public static Command Create() => new("settle", "Settlement benchmark (not yet).");
}

using System.CommandLine;

namespace TelemetryPipeline.Perf.Micro;

internal static class MicroCommand
{
    public static Command Create() => new("micro", "Micro-benchmarks (not yet).");
}

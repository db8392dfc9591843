using System.CommandLine;

namespace TelemetryPipeline.Verbs;

internal static class Verbs
{
    public static IEnumerable<Command> All() =>
    [
        BrokerVerb.Create(),
        GenerateVerb.Create(),
        RunVerb.Create(),
        AvroVerb.Create(),
    ];
}

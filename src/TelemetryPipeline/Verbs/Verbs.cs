using System.CommandLine;

namespace TelemetryPipeline.Verbs;

internal static class Verbs
{
    public static IEnumerable<Command> All() =>
    [
        DemoVerb.Create(),
        BrokerVerb.Create(),
        GenerateVerb.Create(),
        RunVerb.Create(),
        AvroVerb.Create(),
        FinanceVerbs.Settle(),
        AllocationsVerb.Create(),
        FinanceVerbs.Post(),
        FinanceVerbs.Reconcile(),
        FinanceVerbs.Odoo(),
        UsersVerb.Create(),
    ];
}

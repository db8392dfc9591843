using System.CommandLine;

namespace TelemetryPipeline.Perf.Odoo;

internal static class OdooCommand
{
    public static Command Create() => new("odoo", "Odoo posting benchmark (not yet).");
}

using System.Diagnostics.Metrics;

namespace TelemetryPipeline.Ledger;

/// <summary>Ledger instruments (meter <c>TelemetryPipeline.Ledger</c>), exported on <c>/metrics</c> by the host.</summary>
public static class LedgerMetrics
{
    public const string MeterName = "TelemetryPipeline.Ledger";

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Allocations inserted by staging (ids already present are not counted).</summary>
    internal static readonly Counter<long> Staged = s_meter.CreateCounter<long>(
        "ledger.allocations.staged", unit: "{allocation}", description: "Allocations staged in the ledger.");

    /// <summary>Status transition requests by outcome and requested status.</summary>
    internal static readonly Counter<long> Transitions = s_meter.CreateCounter<long>(
        "ledger.transitions", unit: "{transition}", description: "Status transition requests, by outcome and target status.");

    /// <summary>Units of work repeated because PostgreSQL was briefly unreachable.</summary>
    internal static readonly Counter<long> Retries = s_meter.CreateCounter<long>(
        "ledger.retries", unit: "{retry}", description: "Ledger units of work retried after a transient PostgreSQL failure.");
}

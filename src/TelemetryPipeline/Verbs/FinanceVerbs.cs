using System.CommandLine;
using System.Globalization;
using TelemetryPipeline.Composition;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.State;

namespace TelemetryPipeline.Verbs;

/// <summary><c>settle</c>, <c>post</c>, <c>reconcile</c> and <c>odoo check</c>: the finance side from the command line.</summary>
internal static class FinanceVerbs
{
    public static Command Settle()
    {
        var now = new Option<DateTimeOffset?>("--now")
        {
            Description = "Settle as of this instant (ISO-8601, e.g. 2026-11-21T03:00:00Z) instead of the wall clock: for tests and replays.",
        };
        var command = new Command(
            "settle",
            "Close the periods whose cutoff has passed (end of the project's local day + grace), attribute the buckets with the "
            + "master data known now, price them and stage allocations (revision n+1 with differences when something changed). "
            + "Runs under a Redis lease: one instance at a time. Running it twice stages nothing twice.")
        {
            now,
        };
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
            var settlement = await finance.SettlementAsync(context.Bind<RedisOptions>(RedisOptions.Section), cancellationToken);
            var result = await settlement.RunOnceAsync(context.Parse.GetValue(now), cancellationToken);
            Console.WriteLine(result.Summary);
            return result.ExitCode;
        });
        return command;
    }

    public static Command Post()
    {
        var command = new Command(
            "post",
            "Post approved (and previously failed) allocations to Odoo: idempotent (each line's ref is looked up before create), "
            + "batched, retried with backoff; per-allocation failures are marked post_failed with Odoo's message.");
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await OpenWithOdooAsync(context, cancellationToken);
            var summary = await finance.Posting().PostAsync(cancellationToken);
            Console.WriteLine(summary.Summary);
            return summary.ExitCode;
        });
        return command;
    }

    public static Command Reconcile()
    {
        var from = new Option<DateOnly>("--from") { Description = "First period (yyyy-MM-dd).", Required = true };
        var to = new Option<DateOnly>("--to") { Description = "Last period (yyyy-MM-dd).", Required = true };
        var command = new Command(
            "reconcile",
            "Compare the ledger with what Odoo holds for the periods: missing, duplicated, different amounts, posted in Odoo but "
            + "not marked posted, unknown to the ledger. Exit code 1 when there is any difference.")
        {
            from,
            to,
        };
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await OpenWithOdooAsync(context, cancellationToken);
            var result = await finance.Reconciliation().ReconcileAsync(context.Parse.GetValue(from), context.Parse.GetValue(to), cancellationToken);
            Console.WriteLine(result.Summary);
            return result.ExitCode;
        });
        return command;
    }

    public static Command Odoo()
    {
        var command = new Command("odoo", "Odoo connection tools.");
        var check = new Command(
            "check",
            "Verify connectivity, version, the rights the integration user needs (analytic accounting, accounting) and that every "
            + "configured project / cost-code analytic account exists; print what to fix. Exit code 1 when something must be fixed.");
        VerbAction.Set(check, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await OpenWithOdooAsync(context, cancellationToken);
            List<string> projects = [.. finance.SettlementOptions.Projects.Keys];
            List<string> costCodes = [.. finance.SettlementOptions.CostCodeMap.Values.Distinct(StringComparer.Ordinal)];
            var report = await finance.Check().RunAsync(projects, costCodes, cancellationToken);
            foreach (var line in report.Lines)
            {
                Console.WriteLine(line);
            }

            return report.ExitCode;
        });
        command.Subcommands.Add(check);
        return command;
    }

    private static async Task<FinanceComponents> OpenWithOdooAsync(VerbContext context, CancellationToken cancellationToken)
    {
        FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
        try
        {
            finance.UseOdoo(context.Bind<OdooOptions>("Odoo"));
            return finance;
        }
        catch
        {
            await finance.DisposeAsync();
            throw;
        }
    }

    internal static string Hours(long ms) => (ms / 3_600_000m).ToString("0.00", CultureInfo.InvariantCulture);

    internal static string Liters(long ml) => (ml / 1000m).ToString("0.0", CultureInfo.InvariantCulture);

    internal static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}

using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TelemetryPipeline.Composition;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;

namespace TelemetryPipeline.Verbs;

/// <summary><c>allocations list|show|approve|reject|export</c>: finance's review from the command line.</summary>
internal static class AllocationsVerb
{
    public static Command Create()
    {
        var command = new Command("allocations", "Review consolidated allocations: list, show, approve, reject (comment required), export.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Transition("approve", "Approve a pending allocation.", commentRequired: false));
        command.Subcommands.Add(Transition("reject", "Reject a pending allocation; --comment is required and goes into the audit trail.", commentRequired: true));
        command.Subcommands.Add(Export());
        return command;
    }

    private sealed record Filters(
        Option<string?> Status, Option<DateOnly?> From, Option<DateOnly?> To, Option<string?> Project, Option<string?> CostCode, Option<int> Limit)
    {
        public static Filters Create() => new(
            new Option<string?>("--status") { Description = "pending, approved, rejected, posted or post_failed." },
            new Option<DateOnly?>("--from") { Description = "First period (yyyy-MM-dd)." },
            new Option<DateOnly?>("--to") { Description = "Last period (yyyy-MM-dd)." },
            new Option<string?>("--project") { Description = "Project code." },
            new Option<string?>("--cost-code") { Description = "Cost code." },
            new Option<int>("--limit") { Description = $"At most this many (1..{AllocationQuery.MaxLimit}).", DefaultValueFactory = _ => 100 });

        public void AddTo(Command command)
        {
            command.Options.Add(Status);
            command.Options.Add(From);
            command.Options.Add(To);
            command.Options.Add(Project);
            command.Options.Add(CostCode);
            command.Options.Add(Limit);
        }

        public AllocationQuery Query(ParseResult parse) => new()
        {
            Status = parse.GetValue(Status) is string s ? AllocationStatuses.Parse(s) : null,
            PeriodFrom = parse.GetValue(From),
            PeriodTo = parse.GetValue(To),
            ProjectCode = parse.GetValue(Project),
            CostCode = parse.GetValue(CostCode),
            Limit = parse.GetValue(Limit),
        };
    }

    private static Command List()
    {
        var filters = Filters.Create();
        var command = new Command("list", "List allocations, newest period first.");
        filters.AddTo(command);
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
            AllocationPage page = await finance.Ledger.ListAsync(filters.Query(context.Parse), cancellationToken);
            AnsiConsole.Write(Table(page.Items));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{page.Items.Count} of {page.TotalCount} allocations"));
            return 0;
        });
        return command;
    }

    /// <summary>A table of allocations: id, status, quantities, amount.</summary>
    public static Table Table(IEnumerable<LedgerEntry> entries)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("allocation", "status", "lines", "operating h", "idle h", "fuel L", "amount");
        foreach (LedgerEntry entry in entries)
        {
            Allocation a = entry.Allocation;
            table.AddRow(
                Markup.Escape(a.AllocationId),
                a.Status.ToWire(),
                a.Lines.Count.ToString(CultureInfo.InvariantCulture),
                FinanceVerbs.Hours(a.OperatingMs),
                FinanceVerbs.Hours(a.IdleMs),
                FinanceVerbs.Liters(a.FuelMl),
                $"{FinanceVerbs.Money(a.Amount)} {a.Currency}");
        }

        return table;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "Allocation id, e.g. 2026-11-20/PRJ-1001/03-200/r1." };
        var command = new Command("show", "Show an allocation with its lines, the rates behind each amount, and its audit trail.") { id };
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
            string allocationId = context.Parse.GetValue(id)!;
            LedgerEntry? entry = await finance.Ledger.GetAsync(allocationId, cancellationToken);
            if (entry is null)
            {
                await Console.Error.WriteLineAsync($"error: no allocation '{allocationId}'");
                return 1;
            }

            AnsiConsole.Write(Table([entry]));
            var lines = new Table().Border(TableBorder.Simple)
                .AddColumns("equipment", "operating h", "idle h", "fuel L", "rate op/idle/fuel", "operating", "idle", "fuel", "amount");
            foreach (AllocationLine line in entry.Allocation.Lines)
            {
                lines.AddRow(
                    Markup.Escape(line.EquipmentId),
                    FinanceVerbs.Hours(line.OperatingMs),
                    FinanceVerbs.Hours(line.IdleMs),
                    FinanceVerbs.Liters(line.FuelMl),
                    Markup.Escape(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{line.Rate.OperatingRate:0.####}/{line.Rate.IdleRate:0.####}/{(line.Rate.FuelIncluded ? "wet" : line.Rate.FuelPricePerLiter.ToString("0.####", CultureInfo.InvariantCulture))}")),
                    FinanceVerbs.Money(line.OperatingAmount),
                    FinanceVerbs.Money(line.IdleAmount),
                    FinanceVerbs.Money(line.FuelAmount),
                    FinanceVerbs.Money(line.Amount));
            }

            AnsiConsole.Write(lines);
            foreach (AuditEntry audit in await finance.Ledger.GetAuditAsync(allocationId, cancellationToken))
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{audit.At:u}  {audit.Actor} ({audit.ActorKind}): {audit.FromStatus?.ToWire() ?? "-"} -> {audit.ToStatus.ToWire()}{(audit.Comment is null ? "" : "  \"" + audit.Comment + "\"")}"));
            }

            if (entry.OdooRefs is not null)
            {
                Console.WriteLine($"odoo: {entry.OdooRefs}");
            }

            if (entry.PostError is not null)
            {
                Console.WriteLine($"post error: {entry.PostError}");
            }

            return 0;
        });
        return command;
    }

    private static Command Transition(string verb, string description, bool commentRequired)
    {
        var id = new Argument<string>("id") { Description = "Allocation id." };
        var comment = new Option<string?>("--comment") { Description = "Why (kept in the audit trail).", Required = commentRequired };
        var actor = new Option<string>("--as")
        {
            Description = "Who approves/rejects (recorded in the audit trail).",
            DefaultValueFactory = _ => "cli:" + Environment.UserName,
        };
        var command = new Command(verb, description) { id, comment, actor };
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
            string allocationId = context.Parse.GetValue(id)!;
            string who = context.Parse.GetValue(actor)!;
            string? why = context.Parse.GetValue(comment);
            TransitionResult result = verb == "approve"
                ? await finance.Ledger.ApproveAsync(allocationId, who, why, cancellationToken)
                : await finance.Ledger.RejectAsync(allocationId, who, why ?? "", cancellationToken);
            Console.WriteLine(result.Succeeded
                ? $"{allocationId}: {result.PreviousStatus?.ToWire()} -> {result.Status?.ToWire()} by {who}"
                : $"error: {result.Message}");
            return result.Succeeded ? 0 : 1;
        });
        return command;
    }

    private static Command Export()
    {
        var filters = Filters.Create();
        var format = new Option<string>("--format") { Description = "json (the allocation record of ALLOCATION-RULES.md) or csv (one row per line).", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv");
        var output = new Option<string?>("--output") { Description = "File to write (default: stdout)." };
        var command = new Command("export", "Export allocations as JSON or CSV.") { format, output };
        filters.AddTo(command);
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            await using FinanceComponents finance = await FinanceComponents.OpenAsync(context, cancellationToken);
            AllocationPage page = await finance.Ledger.ListAsync(filters.Query(context.Parse), cancellationToken);
            List<Allocation> allocations = [.. page.Items.Select(static e => e.Allocation)];
            string text = context.Parse.GetValue(format) == "csv"
                ? AllocationExport.ToCsv(allocations)
                : AllocationExport.ToJson(allocations, indented: true);
            if (context.Parse.GetValue(output) is string path)
            {
                await File.WriteAllTextAsync(path, text, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {allocations.Count} allocations to {path}"));
            }
            else
            {
                Console.Write(text);
            }

            return 0;
        });
        return command;
    }
}

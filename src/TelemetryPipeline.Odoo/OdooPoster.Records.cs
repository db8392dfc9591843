using System.Globalization;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

public sealed partial class OdooPoster
{
    /// <summary>Percent sent on the single distribution key "project,cost code".</summary>
    private const decimal FullShare = 100m;

    /// <summary>
    /// analytic_lines mode: one <c>account.analytic.line</c> per allocation line with the project account on
    /// <c>account_id</c> (always sent: a line without the key is silently accepted by Odoo), the cost code on its plan's
    /// column, the cost as a negative amount, hours as <c>unit_amount</c> and the line id as <c>ref</c>.
    /// </summary>
    private string? PrepareAnalyticLines(OdooPostingInput allocation, int index, PostingContext context, List<PendingRecord> pending)
    {
        if (CheckCommon(allocation, context, out var project, out var costCode) is { } problem)
        {
            return problem;
        }

        var column = _options.EffectiveCostCodeColumn;
        var records = new List<PendingRecord>(allocation.Lines.Count);
        for (var slot = 0; slot < allocation.Lines.Count; slot++)
        {
            var line = allocation.Lines[slot];
            var values = new JsonObject
            {
                ["name"] = LineName(allocation, line),
                ["account_id"] = project.Id,
                [column] = costCode.Id,
                ["date"] = Date(allocation.Period),
                ["amount"] = -line.Amount,
                ["unit_amount"] = line.Hours,
                ["ref"] = line.LineId,
            };
            if (values["account_id"] is not JsonValue accountId || accountId.GetValue<long>() <= 0)
            {
                return "internal error: account_id missing";
            }

            records.Add(new PendingRecord(line.LineId, values, index, slot));
        }

        pending.AddRange(records);
        return null;
    }

    /// <summary>
    /// draft_move mode: one balanced draft <c>account.move</c> (type entry) per allocation: a debit on the expense
    /// account per equipment line (named by its line id, with the project and cost-code distribution and the hours
    /// as quantity), one credit on the recovery account for the total. Finance posts it in Odoo, which then
    /// creates the analytic lines; this mode therefore never creates analytic lines itself.
    /// </summary>
    private string? PrepareDraftMove(OdooPostingInput allocation, int index, PostingContext context, List<PendingRecord> pending)
    {
        if (context.MoveSetupProblem is { } setup)
        {
            return setup;
        }

        if (CheckCommon(allocation, context, out var project, out var costCode) is { } problem)
        {
            return problem;
        }

        var distributionKey = string.Create(CultureInfo.InvariantCulture, $"{project.Id},{costCode.Id}");
        var lines = new JsonArray();
        decimal debit = 0m, credit = 0m, total = 0m;
        foreach (var line in allocation.Lines)
        {
            var distribution = new JsonObject { [distributionKey] = FullShare };
            if (AnalyticDistribution.Validate(distribution, context.Catalog.RootPlanOf) is { } bad)
            {
                return bad;
            }

            var lineDebit = line.Amount > 0 ? line.Amount : 0m;
            var lineCredit = line.Amount < 0 ? -line.Amount : 0m;
            debit += lineDebit;
            credit += lineCredit;
            total += line.Amount;
            lines.Add(new JsonArray(0, 0, new JsonObject
            {
                ["name"] = line.LineId,
                ["account_id"] = _options.ExpenseAccountId,
                ["debit"] = lineDebit,
                ["credit"] = lineCredit,
                ["quantity"] = line.Hours,
                ["analytic_distribution"] = distribution,
            }));
        }

        var recoveryDebit = total < 0 ? -total : 0m;
        var recoveryCredit = total > 0 ? total : 0m;
        debit += recoveryDebit;
        credit += recoveryCredit;
        lines.Add(new JsonArray(0, 0, new JsonObject
        {
            ["name"] = $"{allocation.AllocationId} equipment cost recovery",
            ["account_id"] = _options.RecoveryAccountId,
            ["debit"] = recoveryDebit,
            ["credit"] = recoveryCredit,
        }));
        if (debit != credit)
        {
            return string.Create(CultureInfo.InvariantCulture, $"entry would not balance (debit {debit}, credit {credit})");
        }

        var move = new JsonObject
        {
            ["move_type"] = "entry",
            ["journal_id"] = _options.JournalId,
            ["date"] = Date(allocation.Period),
            ["ref"] = allocation.AllocationId,
            ["line_ids"] = lines,
        };
        pending.Add(new PendingRecord(allocation.AllocationId, move, index, 0));
        return null;
    }

    private string? CheckCommon(OdooPostingInput allocation, PostingContext context, out OdooAnalyticAccount project, out OdooAnalyticAccount costCode)
    {
        project = null!;
        costCode = null!;
        if (allocation.Lines.Count == 0)
        {
            return "allocation has no lines";
        }

        if (context.Company.Refuses(allocation.Currency, _options) is { } currencyProblem)
        {
            return currencyProblem;
        }

        var lineIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in allocation.Lines)
        {
            if (string.IsNullOrEmpty(line.LineId) || !lineIds.Add(line.LineId))
            {
                return $"line id '{line.LineId}' is empty or repeated";
            }
        }

        var (projectAccount, projectProblem) = context.Catalog.Project(allocation.ProjectCode);
        if (projectProblem is not null)
        {
            return projectProblem;
        }

        var (costAccount, costProblem) = context.Catalog.CostCode(allocation.CostCode);
        if (costProblem is not null)
        {
            return costProblem;
        }

        project = projectAccount!;
        costCode = costAccount!;
        return null;
    }

    /// <summary>draft_move mode: the journal and both accounts must exist before any move is sent.</summary>
    private async Task<string?> CheckMoveSetupAsync(IOdooClient client, CancellationToken ct)
    {
        var journals = await client.SearchReadAsync("account.journal", ById(_options.JournalId), ["type"], ct: ct).ConfigureAwait(false);
        if (journals.Count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"journal {_options.JournalId} ({OdooOptions.Key(nameof(OdooOptions.JournalId))}) not found");
        }

        var accounts = await client.SearchReadAsync(
            "account.account",
            OdooDomain.Of(OdooDomain.In("id", [_options.ExpenseAccountId, _options.RecoveryAccountId])),
            ["code"],
            ct: ct).ConfigureAwait(false);
        var seen = new HashSet<long>();
        foreach (var account in accounts)
        {
            seen.Add(OdooCalls.Long(account["id"], "account.account.search_read"));
        }

        if (!seen.Contains(_options.ExpenseAccountId))
        {
            return string.Create(CultureInfo.InvariantCulture, $"expense account {_options.ExpenseAccountId} ({OdooOptions.Key(nameof(OdooOptions.ExpenseAccountId))}) not found");
        }

        if (!seen.Contains(_options.RecoveryAccountId))
        {
            return string.Create(CultureInfo.InvariantCulture, $"recovery account {_options.RecoveryAccountId} ({OdooOptions.Key(nameof(OdooOptions.RecoveryAccountId))}) not found");
        }

        return null;
    }

    internal static string LineName(OdooPostingInput allocation, OdooPostingLine line) =>
        string.Create(CultureInfo.InvariantCulture, $"Equipment {line.EquipmentId} on {allocation.ProjectCode}/{allocation.CostCode} {allocation.Period:yyyy-MM-dd}");

    internal static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

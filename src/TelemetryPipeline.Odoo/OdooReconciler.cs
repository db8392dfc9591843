using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Odoo;

/// <summary>An allocation as the ledger holds it, for reconciliation.</summary>
public sealed record OdooLedgerAllocation(OdooPostingInput Allocation, AllocationStatus Status);

/// <summary>How the ledger and Odoo disagree.</summary>
public enum OdooDifferenceKind
{
    /// <summary>The ledger says posted; Odoo has no record with the external id.</summary>
    MissingInOdoo,

    /// <summary>Odoo has more than one record with the same external id.</summary>
    Duplicate,

    /// <summary>The amount in Odoo differs from the ledger's.</summary>
    AmountMismatch,

    /// <summary>Hours, date or analytic accounts in Odoo differ from the ledger's.</summary>
    FieldMismatch,

    /// <summary>Odoo has a record with an allocation external id in the period that the ledger does not know.</summary>
    NotInLedger,

    /// <summary>Odoo has the record but the ledger does not say posted (approved, post_failed, pending or rejected).</summary>
    NotMarkedPosted,

    /// <summary>The draft move was cancelled in Odoo.</summary>
    CancelledInOdoo,
}

/// <summary>One difference; <paramref name="LineId"/> is set for analytic-line differences.</summary>
public sealed record OdooDifference(OdooDifferenceKind Kind, string AllocationId, string? LineId, IReadOnlyList<long> OdooIds, string Detail)
{
    public override string ToString() =>
        $"{Kind}: {LineId ?? AllocationId}{(OdooIds.Count > 0 ? " (Odoo ids " + string.Join(", ", OdooIds) + ")" : string.Empty)}: {Detail}";
}

/// <summary>What reconciliation compared and found.</summary>
public sealed record OdooReconcileReport(DateOnly From, DateOnly To, int AllocationsChecked, int OdooRecords, IReadOnlyList<OdooDifference> Differences)
{
    /// <summary>True when the ledger and Odoo agree.</summary>
    public bool IsClean => Differences.Count == 0;
}

/// <summary>
/// Compares the ledger with what Odoo holds for a period range, by external id (<c>ref</c>): records missing in
/// Odoo, duplicates, amounts or fields that differ, records the ledger does not know, and records present although
/// the ledger does not say posted. Only refs shaped like allocation (line) ids count as the integration's.
/// </summary>
public sealed partial class OdooReconciler
{
    private const int PageSize = 1000;
    private const decimal AmountTolerance = 0.005m;
    private const decimal HoursTolerance = 0.0005m;

    private readonly OdooCompanyClients _clients;
    private readonly OdooOptions _options;
    private readonly ILogger _logger;

    /// <summary>
    /// A reconciler reading every configured company (<see cref="OdooOptions.CompanyIds"/>) with clients derived from
    /// <paramref name="client"/>, which runs in <see cref="OdooOptions.CompanyId"/>.
    /// </summary>
    public OdooReconciler(IOdooClient client, OdooOptions options, ILogger<OdooReconciler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _clients = new OdooCompanyClients(client);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Reconciles the ledger's allocations of periods <paramref name="from"/>..<paramref name="to"/> (pass every
    /// allocation of those periods, whatever its status) with the records of every configured company; a record in
    /// another company than its currency's (<see cref="OdooOptions.CompanyFor"/>) is a <see cref="OdooDifferenceKind.FieldMismatch"/>.
    /// Odoo failures propagate as <see cref="OdooException"/>.
    /// </summary>
    public async Task<OdooReconcileReport> ReconcileAsync(IReadOnlyList<OdooLedgerAllocation> ledger, DateOnly from, DateOnly to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var differences = new List<OdooDifference>();
        int records;
        if (_options.PostsDraftMoves)
        {
            records = await ReconcileMovesAsync(ledger, from, to, differences, ct).ConfigureAwait(false);
        }
        else
        {
            records = await ReconcileLinesAsync(ledger, from, to, differences, ct).ConfigureAwait(false);
        }

        _logger.LogInformation("Odoo reconciliation {From}..{To}: {Allocations} allocations, {Records} Odoo records, {Differences} differences", from, to, ledger.Count, records, differences.Count);
        return new OdooReconcileReport(from, to, ledger.Count, records, differences);
    }

    private async Task<int> ReconcileLinesAsync(IReadOnlyList<OdooLedgerAllocation> ledger, DateOnly from, DateOnly to, List<OdooDifference> differences, CancellationToken ct)
    {
        var column = _options.EffectiveCostCodeColumn;
        string[] fields = ["ref", "amount", "unit_amount", "date", "account_id", column];
        var known = new Dictionary<string, (OdooLedgerAllocation Allocation, OdooPostingLine Line)>(StringComparer.Ordinal);
        var codesByCompany = new Dictionary<long, (HashSet<string> Projects, HashSet<string> CostCodes)>();
        foreach (var entry in ledger)
        {
            var companyId = _options.CompanyFor(entry.Allocation.Currency);
            if (!codesByCompany.TryGetValue(companyId, out var codes))
            {
                codes = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
                codesByCompany[companyId] = codes;
            }

            codes.Projects.Add(entry.Allocation.ProjectCode);
            codes.CostCodes.Add(entry.Allocation.CostCode);
            foreach (var line in entry.Allocation.Lines)
            {
                known[line.LineId] = (entry, line);
            }
        }

        var odoo = await FetchAllAsync("account.analytic.line", from, to, fields, [], known.Keys, ct).ConfigureAwait(false);

        // Each company's accounts as that company sees them: the ones its lines must carry.
        var catalogs = new Dictionary<long, OdooAnalyticCatalog>();
        foreach (var (companyId, codes) in codesByCompany)
        {
            catalogs[companyId] = await OdooAnalyticCatalog.LoadAsync(_clients.For(companyId), _options, codes.Projects, codes.CostCodes, ct).ConfigureAwait(false);
        }

        foreach (var (lineId, (entry, line)) in known)
        {
            var allocation = entry.Allocation;
            var expectedCompany = _options.CompanyFor(allocation.Currency);
            var catalog = catalogs[expectedCompany];
            odoo.TryGetValue(lineId, out var found);
            found ??= [];
            var posted = entry.Status == AllocationStatus.Posted;
            if (found.Count == 0)
            {
                if (posted)
                {
                    differences.Add(new(OdooDifferenceKind.MissingInOdoo, allocation.AllocationId, lineId, [], "the ledger says posted but Odoo has no analytic line with this ref"));
                }

                continue;
            }

            var ids = Ids(found);
            if (!posted)
            {
                differences.Add(new(OdooDifferenceKind.NotMarkedPosted, allocation.AllocationId, lineId, ids, $"Odoo has it but the ledger says {entry.Status.ToWire()}"));
            }

            if (found.Count > 1)
            {
                differences.Add(new(OdooDifferenceKind.Duplicate, allocation.AllocationId, lineId, ids, string.Create(CultureInfo.InvariantCulture, $"{found.Count} analytic lines carry this ref")));
            }

            foreach (var (record, companyId) in found)
            {
                var id = OdooCalls.Long(record["id"], "account.analytic.line.search_read");
                var amount = OdooCalls.Number(record["amount"]);
                if (Math.Abs(amount - (-line.Amount)) > AmountTolerance)
                {
                    differences.Add(new(OdooDifferenceKind.AmountMismatch, allocation.AllocationId, lineId, [id], string.Create(CultureInfo.InvariantCulture, $"Odoo amount {amount}, ledger {-line.Amount}")));
                }

                var problems = new List<string>();
                if (CompanyProblem(companyId, expectedCompany, allocation.Currency) is { } companyProblem)
                {
                    problems.Add(companyProblem);
                }

                var hours = OdooCalls.Number(record["unit_amount"]);
                if (Math.Abs(hours - line.Hours) > HoursTolerance)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"hours {hours} vs {line.Hours}"));
                }

                if (OdooCalls.Text(record["date"]) is { } date && date != OdooPoster.Date(allocation.Period))
                {
                    problems.Add($"date {date} vs {OdooPoster.Date(allocation.Period)}");
                }

                if (catalog.Project(allocation.ProjectCode).Account is { } project && OdooCalls.Many2OneId(record["account_id"]) != project.Id)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"project account {OdooCalls.Many2OneId(record["account_id"])} vs {project.Id}"));
                }

                if (catalog.CostCode(allocation.CostCode).Account is { } cost && OdooCalls.Many2OneId(record[column]) != cost.Id)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"cost-code account {OdooCalls.Many2OneId(record[column])} vs {cost.Id}"));
                }

                if (problems.Count > 0)
                {
                    differences.Add(new(OdooDifferenceKind.FieldMismatch, allocation.AllocationId, lineId, [id], string.Join("; ", problems)));
                }
            }
        }

        var total = 0;
        foreach (var (reference, found) in odoo)
        {
            total += found.Count;
            if (!known.ContainsKey(reference) && LineIdShape().IsMatch(reference) && InRange(reference, from, to))
            {
                differences.Add(new(OdooDifferenceKind.NotInLedger, AllocationOf(reference), reference, Ids(found), "Odoo has an analytic line with this ref that the ledger does not know"));
            }
        }

        return total;
    }

    private async Task<int> ReconcileMovesAsync(IReadOnlyList<OdooLedgerAllocation> ledger, DateOnly from, DateOnly to, List<OdooDifference> differences, CancellationToken ct)
    {
        string[] fields = ["ref", "state", "amount_total", "date", "journal_id"];
        JsonArray[] extra = [OdooDomain.Leaf("move_type", "=", "entry")];
        var known = new Dictionary<string, OdooLedgerAllocation>(StringComparer.Ordinal);
        foreach (var entry in ledger)
        {
            known[entry.Allocation.AllocationId] = entry;
        }

        var odoo = await FetchAllAsync("account.move", from, to, fields, extra, known.Keys, ct).ConfigureAwait(false);
        foreach (var (allocationId, entry) in known)
        {
            odoo.TryGetValue(allocationId, out var found);
            found ??= [];
            var posted = entry.Status == AllocationStatus.Posted;
            if (found.Count == 0)
            {
                if (posted)
                {
                    differences.Add(new(OdooDifferenceKind.MissingInOdoo, allocationId, null, [], "the ledger says posted but Odoo has no journal entry with this ref"));
                }

                continue;
            }

            var ids = Ids(found);
            if (!posted)
            {
                differences.Add(new(OdooDifferenceKind.NotMarkedPosted, allocationId, null, ids, $"Odoo has it but the ledger says {entry.Status.ToWire()}"));
            }

            if (found.Count > 1)
            {
                differences.Add(new(OdooDifferenceKind.Duplicate, allocationId, null, ids, string.Create(CultureInfo.InvariantCulture, $"{found.Count} journal entries carry this ref")));
            }

            var expected = ExpectedMoveTotal(entry.Allocation);
            var expectedCompany = _options.CompanyFor(entry.Allocation.Currency);
            foreach (var (record, companyId) in found)
            {
                var id = OdooCalls.Long(record["id"], "account.move.search_read");
                if (CompanyProblem(companyId, expectedCompany, entry.Allocation.Currency) is { } companyProblem)
                {
                    differences.Add(new(OdooDifferenceKind.FieldMismatch, allocationId, null, [id], companyProblem));
                }

                if (OdooCalls.Text(record["state"]) == "cancel")
                {
                    differences.Add(new(OdooDifferenceKind.CancelledInOdoo, allocationId, null, [id], "the journal entry was cancelled in Odoo"));
                }

                var amount = OdooCalls.Number(record["amount_total"]);
                if (Math.Abs(amount - expected) > AmountTolerance)
                {
                    differences.Add(new(OdooDifferenceKind.AmountMismatch, allocationId, null, [id], string.Create(CultureInfo.InvariantCulture, $"Odoo total {amount}, ledger {expected}")));
                }

                if (OdooCalls.Text(record["date"]) is { } date && date != OdooPoster.Date(entry.Allocation.Period))
                {
                    differences.Add(new(OdooDifferenceKind.FieldMismatch, allocationId, null, [id], $"date {date} vs {OdooPoster.Date(entry.Allocation.Period)}"));
                }
            }
        }

        var total = 0;
        foreach (var (reference, found) in odoo)
        {
            total += found.Count;
            if (!known.ContainsKey(reference) && AllocationIdShape().IsMatch(reference) && InRange(reference, from, to))
            {
                differences.Add(new(OdooDifferenceKind.NotInLedger, reference, null, Ids(found), "Odoo has a journal entry with this ref that the ledger does not know"));
            }
        }

        return total;
    }

    /// <summary>A draft move's <c>amount_total</c>: the sum of its debits as the poster builds them.</summary>
    private static decimal ExpectedMoveTotal(OdooPostingInput allocation)
    {
        decimal debit = 0m, total = 0m;
        foreach (var line in allocation.Lines)
        {
            total += line.Amount;
            if (line.Amount > 0)
            {
                debit += line.Amount;
            }
        }

        return debit + (total < 0 ? -total : 0m);
    }

    /// <summary>
    /// Every record of the model with a ref in the date range, in every configured company, grouped by ref; then the
    /// <paramref name="ledgerRefs"/> not found in the range, looked up directly.
    /// </summary>
    private async Task<Dictionary<string, List<CompanyRecord>>> FetchAllAsync(string model, DateOnly from, DateOnly to, string[] fields, JsonArray[] extra, IEnumerable<string> ledgerRefs, CancellationToken ct)
    {
        var byRef = new Dictionary<string, List<CompanyRecord>>(StringComparer.Ordinal);
        var seen = new HashSet<long>();
        var companies = _options.CompanyIds;
        foreach (var companyId in companies)
        {
            await FetchAsync(_clients.For(companyId), model, from, to, fields, extra, byRef, seen, ct).ConfigureAwait(false);
        }

        var missing = new List<string>();
        foreach (var reference in ledgerRefs)
        {
            if (!byRef.ContainsKey(reference))
            {
                missing.Add(reference);
            }
        }

        foreach (var companyId in companies)
        {
            await FetchRefsAsync(_clients.For(companyId), model, missing, fields, extra, byRef, seen, ct).ConfigureAwait(false);
        }

        return byRef;
    }

    /// <summary>Every record of the model in the date range with a ref, in the client's company, paged by id.</summary>
    private static async Task FetchAsync(IOdooClient client, string model, DateOnly from, DateOnly to, string[] fields, JsonArray[] extra, Dictionary<string, List<CompanyRecord>> byRef, HashSet<long> seen, CancellationToken ct)
    {
        long lastId = 0;
        while (true)
        {
            var domain = OdooDomain.Of(
                OdooDomain.Leaf("date", ">=", OdooPoster.Date(from)),
                OdooDomain.Leaf("date", "<=", OdooPoster.Date(to)),
                OdooDomain.Leaf("ref", "!=", false),
                OdooDomain.Leaf("id", ">", lastId));
            foreach (var leaf in extra)
            {
                domain.Add(leaf.DeepClone());
            }

            var page = await client.SearchReadAsync(model, domain, fields, PageSize, "id asc", ct).ConfigureAwait(false);
            foreach (var record in page)
            {
                lastId = Math.Max(lastId, OdooCalls.Long(record["id"], model + ".search_read"));
                Add(byRef, seen, record, client.CompanyId, model);
            }

            if (page.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>Ledger refs not found in the date range are looked up directly, so a record whose date was edited is not reported missing.</summary>
    private static async Task FetchRefsAsync(IOdooClient client, string model, List<string> refs, string[] fields, JsonArray[] extra, Dictionary<string, List<CompanyRecord>> byRef, HashSet<long> seen, CancellationToken ct)
    {
        for (var i = 0; i < refs.Count; i += OdooOptions.MaxBatchSize)
        {
            var batch = refs.GetRange(i, Math.Min(OdooOptions.MaxBatchSize, refs.Count - i));
            var domain = OdooDomain.Of(OdooDomain.In("ref", batch));
            foreach (var leaf in extra)
            {
                domain.Add(leaf.DeepClone());
            }

            foreach (var record in await client.SearchReadAsync(model, domain, fields, order: "id asc", ct: ct).ConfigureAwait(false))
            {
                Add(byRef, seen, record, client.CompanyId, model);
            }
        }
    }

    private static void Add(Dictionary<string, List<CompanyRecord>> byRef, HashSet<long> seen, JsonObject record, long companyId, string model)
    {
        // A record visible from two companies' contexts (no company of its own) counts once.
        if (OdooCalls.Text(record["ref"]) is not { } reference || !seen.Add(OdooCalls.Long(record["id"], model + ".search_read")))
        {
            return;
        }

        if (!byRef.TryGetValue(reference, out var list))
        {
            list = [];
            byRef[reference] = list;
        }

        list.Add(new CompanyRecord(record, companyId));
    }

    /// <summary>Null when the record is in the company its currency maps to, else the difference in words.</summary>
    private string? CompanyProblem(long companyId, long expectedCompany, string currency) =>
        companyId == expectedCompany
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"in company {companyId}, but {currency} allocations belong in company {expectedCompany} ({_options.CompanyKeys(expectedCompany)})");

    private static List<long> Ids(List<CompanyRecord> records)
    {
        var ids = new List<long>(records.Count);
        foreach (var (record, _) in records)
        {
            ids.Add(OdooCalls.Long(record["id"], "search_read"));
        }

        return ids;
    }

    private static bool InRange(string reference, DateOnly from, DateOnly to) =>
        DateOnly.TryParseExact(reference.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var period)
        && period >= from && period <= to;

    private static string AllocationOf(string lineId)
    {
        var revision = RevisionSegment().Match(lineId);
        return revision.Success ? lineId[..(revision.Index + revision.Length)] : lineId;
    }

    /// <summary><c>yyyy-MM-dd/project/cost code/r&lt;n&gt;/equipment</c>.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}/[^/]+/[^/]+/r\d+/.+$", RegexOptions.CultureInvariant)]
    private static partial Regex LineIdShape();

    /// <summary><c>yyyy-MM-dd/project/cost code/r&lt;n&gt;</c>.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}/[^/]+/[^/]+/r\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex AllocationIdShape();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}/[^/]+/[^/]+/r\d+", RegexOptions.CultureInvariant)]
    private static partial Regex RevisionSegment();

    /// <summary>A record as read, with the company whose context it was read in.</summary>
    private readonly record struct CompanyRecord(JsonObject Record, long CompanyId);
}

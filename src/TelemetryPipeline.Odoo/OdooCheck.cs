using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TelemetryPipeline.Odoo;

/// <summary>One finding of <see cref="OdooCheck"/>: fine, or something an operator must fix (and how).</summary>
public sealed record OdooCheckLine(bool Ok, string Text)
{
    public override string ToString() => (Ok ? "ok: " : "FIX: ") + Text;
}

/// <summary>The findings of <see cref="OdooCheck.RunAsync"/>; <see cref="ExitCode"/> is 1 when anything must be fixed.</summary>
public sealed record OdooCheckReport(IReadOnlyList<OdooCheckLine> Lines)
{
    /// <summary>True when nothing must be fixed.</summary>
    public bool Passed
    {
        get
        {
            foreach (var line in Lines)
            {
                if (!line.Ok)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>0 when <see cref="Passed"/>, else 1.</summary>
    public int ExitCode => Passed ? 0 : 1;

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var line in Lines)
        {
            text.AppendLine(line.ToString());
        }

        return text.ToString();
    }
}

/// <summary>
/// The <c>odoo check</c> verb: connectivity, version, authentication, the integration user's groups (Analytic
/// Accounting, Accounting/Invoicing) and companies, each configured company and its currency (<see cref="OdooOptions.CompanyId"/>,
/// <see cref="OdooOptions.Companies"/>), the analytic plans and the cost-code column, every configured project and
/// cost-code analytic account as the companies see them, and in draft_move mode the journal and accounts. Says what to fix.
/// </summary>
public sealed class OdooCheck
{
    /// <summary>The groups the integration user needs: (module, xml name, label, why).</summary>
    internal static readonly (string Module, string Name, string Label, string Why)[] RequiredGroups =
    [
        ("analytic", "group_analytic_accounting", "Analytic Accounting", "to read analytic plans and create analytic accounts and lines"),
        ("account", "group_account_invoice", "Accounting/Invoicing", "to create analytic lines and journal entries"),
    ];

    private readonly IOdooClient _client;
    private readonly OdooCompanyClients _clients;
    private readonly OdooOptions _options;
    private readonly ILogger _logger;

    /// <summary>A check through <paramref name="client"/> (in <see cref="OdooOptions.CompanyId"/>) and clients derived from it for the other companies.</summary>
    public OdooCheck(IOdooClient client, OdooOptions options, ILogger<OdooCheck>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _clients = new OdooCompanyClients(client);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Runs every check. <paramref name="projectCodes"/> and <paramref name="costCodes"/> add codes to those mapped in
    /// the options (e.g. every project in master data). Never throws for Odoo failures: they become FIX lines.
    /// </summary>
    public async Task<OdooCheckReport> RunAsync(IEnumerable<string>? projectCodes = null, IEnumerable<string>? costCodes = null, CancellationToken ct = default)
    {
        var lines = new List<OdooCheckLine>();
        try
        {
            await RunChecksAsync(lines, projectCodes ?? [], costCodes ?? [], ct).ConfigureAwait(false);
        }
        catch (OdooException ex)
        {
            lines.Add(Fix($"unexpected Odoo error ({ex.Kind} on {ex.Operation}): {FirstLine(ex.OdooMessage)}"));
        }

        var report = new OdooCheckReport(lines);
        foreach (var line in lines)
        {
            if (line.Ok)
            {
                _logger.LogInformation("odoo check: {Line}", line.ToString());
            }
            else
            {
                _logger.LogWarning("odoo check: {Line}", line.ToString());
            }
        }

        return report;
    }

    private async Task RunChecksAsync(List<OdooCheckLine> lines, IEnumerable<string> extraProjects, IEnumerable<string> extraCostCodes, CancellationToken ct)
    {
        OdooServerVersion version;
        try
        {
            version = await _client.VersionAsync(ct).ConfigureAwait(false);
        }
        catch (OdooException ex)
        {
            lines.Add(Fix($"cannot reach Odoo at {_options.Url} ({ex.OdooMessage}): check {OdooOptions.Key(nameof(OdooOptions.Url))} and that the server is up"));
            return;
        }

        lines.Add(CheckVersion(version));

        long uid;
        try
        {
            uid = await _client.AuthenticateAsync(ct).ConfigureAwait(false);
            lines.Add(Ok(string.Create(CultureInfo.InvariantCulture, $"authenticated on database {_options.Database} as user id {uid} ({_client.Protocol})")));
        }
        catch (OdooException ex) when (ex.Kind is OdooErrorKind.Authentication or OdooErrorKind.AccessDenied or OdooErrorKind.Server or OdooErrorKind.MissingRecord)
        {
            lines.Add(Fix($"authentication failed on database {_options.Database} ({FirstLine(ex.OdooMessage)}): check {OdooOptions.Key(nameof(OdooOptions.Database))}, {OdooOptions.Key(nameof(OdooOptions.Login))} and the API key ({OdooOptions.ApiKeyEnvironmentVariable} or {OdooOptions.Key(nameof(OdooOptions.ApiKeyFile))}); create keys in Odoo under Preferences > Account Security > New API Key"));
            return;
        }

        var groupsOk = await CheckUserAsync(lines, uid, ct).ConfigureAwait(false);
        var companies = await CheckCompaniesAsync(lines, ct).ConfigureAwait(false);
        var planNames = await CheckPlansAsync(lines, groupsOk, ct).ConfigureAwait(false);
        await CheckAccountsAsync(lines, planNames, companies, extraProjects, extraCostCodes, ct).ConfigureAwait(false);
        if (_options.PostsDraftMoves)
        {
            await CheckMoveSetupAsync(lines, ct).ConfigureAwait(false);
        }
        else
        {
            lines.Add(Ok("posting mode analytic_lines: one analytic line per allocation line (finance must not also post journal entries for the same costs)"));
        }

    }

    private OdooCheckLine CheckVersion(OdooServerVersion version)
    {
        if (_options.UsesJson2 && version.Major < 19)
        {
            return Fix($"server is Odoo {version.ServerVersion}; JSON-2 needs 19+: set {OdooOptions.Key(nameof(OdooOptions.Protocol))}=jsonrpc");
        }

        if (!_options.UsesJson2 && version.Major is < 17)
        {
            return Fix($"server is Odoo {version.ServerVersion}; this integration supports 17 and later");
        }

        if (!_options.UsesJson2 && version.Major > 19)
        {
            return Fix($"server is Odoo {version.ServerVersion}, where JSON-RPC is removed: set {OdooOptions.Key(nameof(OdooOptions.Protocol))}=json2");
        }

        var note = !_options.UsesJson2 && version.Major == 19 ? " (JSON-RPC is deprecated in 19: prefer json2)" : string.Empty;
        return Ok($"version {version.ServerVersion}{note}");
    }

    /// <summary>Group membership and company access of the integration user; false when a required group is missing.</summary>
    private async Task<bool> CheckUserAsync(List<OdooCheckLine> lines, long uid, CancellationToken ct)
    {
        // Odoo 19 renamed groups_id to group_ids and added all_group_ids (with implied groups): use what exists.
        var userFields = await _client.CallAsync("res.users", "fields_get", null, new JsonObject { ["attributes"] = new JsonArray("type") }, ct).ConfigureAwait(false) as JsonObject;
        string? groupField = null;
        foreach (var candidate in (string[])["all_group_ids", "group_ids", "groups_id"])
        {
            if (userFields?.ContainsKey(candidate) == true)
            {
                groupField = candidate;
                break;
            }
        }

        var users = await _client.ReadAsync("res.users", [uid], groupField is null ? ["login", "company_ids"] : ["login", "company_ids", groupField], ct).ConfigureAwait(false);
        if (users.Count == 0)
        {
            lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"user {uid} cannot read its own record")));
            return false;
        }

        var user = users[0];
        var login = OdooCalls.Text(user["login"]) ?? uid.ToString(CultureInfo.InvariantCulture);
        var companies = IdSet(user["company_ids"]);
        foreach (var companyId in _options.CompanyIds)
        {
            if (!companies.Contains(companyId))
            {
                lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"user {login} is not allowed in company {companyId} ({_options.CompanyKeys(companyId)}): add it under Settings > Users > {login} > Allowed Companies, or fix the id")));
            }
        }

        if (groupField is null)
        {
            lines.Add(Fix("res.users has no group field (all_group_ids, group_ids or groups_id): cannot check rights"));
            return false;
        }

        var names = new JsonArray();
        foreach (var group in RequiredGroups)
        {
            names.Add(group.Name);
        }

        var xmlIds = await _client.SearchReadAsync("ir.model.data", OdooDomain.Of(OdooDomain.Leaf("model", "=", "res.groups"), OdooDomain.Leaf("name", "in", names)), ["module", "name", "res_id"], ct: ct).ConfigureAwait(false);
        var groups = IdSet(user[groupField]);
        var allOk = true;
        foreach (var (module, name, label, why) in RequiredGroups)
        {
            long? groupId = null;
            foreach (var xmlId in xmlIds)
            {
                if (OdooCalls.Text(xmlId["module"]) == module && OdooCalls.Text(xmlId["name"]) == name)
                {
                    groupId = OdooCalls.Many2OneId(xmlId["res_id"]);
                }
            }

            if (groupId is null)
            {
                lines.Add(Fix($"group {label} ({module}.{name}) does not exist: install the {module} module"));
                allOk = false;
            }
            else if (!groups.Contains(groupId.Value))
            {
                lines.Add(Fix($"user {login} lacks group {label} ({module}.{name}), needed {why}: grant it in Settings > Users > {login}"));
                allOk = false;
            }
            else
            {
                lines.Add(Ok($"user {login} has group {label}"));
            }
        }

        return allOk;
    }

    /// <summary>Every configured company exists and keeps the currency it is mapped to; returns the ids of those that can be read.</summary>
    private async Task<List<long>> CheckCompaniesAsync(List<OdooCheckLine> lines, CancellationToken ct)
    {
        var readable = new List<long>();
        foreach (var companyId in _options.CompanyIds)
        {
            var keys = _options.CompanyKeys(companyId);
            OdooCompany? company;
            try
            {
                company = await OdooCompany.ReadAsync(_clients.For(companyId), companyId, ct).ConfigureAwait(false);
            }
            catch (OdooException ex) when (ex.Kind is OdooErrorKind.AccessDenied or OdooErrorKind.MissingRecord or OdooErrorKind.Validation)
            {
                lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"company {companyId} cannot be read ({FirstLine(ex.OdooMessage)}): fix {keys} or the user's allowed companies")));
                continue;
            }

            if (company is null)
            {
                lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"company {companyId} not found: set {keys}")));
                continue;
            }

            readable.Add(companyId);
            var mismatched = false;
            foreach (var (currency, mappedId) in _options.Companies)
            {
                if (mappedId == companyId && company.Currency is { } kept && !string.Equals(kept, currency, StringComparison.OrdinalIgnoreCase))
                {
                    mismatched = true;
                    lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"company {companyId} {company.Name} keeps amounts in {kept}, but {OdooOptions.CompanyKey(currency)} maps {currency.ToUpperInvariant()} to it: set {OdooOptions.CompanyKey(currency)} to the id of the company that keeps amounts in {currency.ToUpperInvariant()} (amounts are never converted)")));
                }
            }

            if (mismatched)
            {
                continue;
            }

            var note = companyId == _options.CompanyId && _options.Companies.Count == 0
                ? "allocations in other currencies are refused, never converted"
                : string.Create(CultureInfo.InvariantCulture, $"{keys}; allocations in currencies without a company in {OdooOptions.Key(nameof(OdooOptions.Companies))} are refused, never converted");
            lines.Add(Ok(string.Create(CultureInfo.InvariantCulture, $"company {companyId} {company.Name}, amounts in {company.Currency} ({note})")));
        }

        return readable;
    }

    /// <summary>Both plans exist and the cost-code column is on account.analytic.line; returns plan id → name.</summary>
    private async Task<Dictionary<long, string>> CheckPlansAsync(List<OdooCheckLine> lines, bool groupsOk, CancellationToken ct)
    {
        var names = new Dictionary<long, string>();
        try
        {
            var plans = await _client.SearchReadAsync("account.analytic.plan", OdooDomain.Of(OdooDomain.In("id", [_options.ProjectPlanId, _options.CostCodePlanId])), ["name", "parent_id"], ct: ct).ConfigureAwait(false);
            foreach (var plan in plans)
            {
                names[OdooCalls.Long(plan["id"], "account.analytic.plan.read")] = OdooCalls.Text(plan["name"]) ?? string.Empty;
            }

            foreach (var (id, key) in (ReadOnlySpan<(long, string)>)[(_options.ProjectPlanId, nameof(OdooOptions.ProjectPlanId)), (_options.CostCodePlanId, nameof(OdooOptions.CostCodePlanId))])
            {
                lines.Add(names.TryGetValue(id, out var name)
                    ? Ok(string.Create(CultureInfo.InvariantCulture, $"analytic plan {id} {name} ({OdooOptions.Key(key)})"))
                    : Fix(string.Create(CultureInfo.InvariantCulture, $"analytic plan {id} ({OdooOptions.Key(key)}) not found: create it under Accounting > Configuration > Analytic Plans or fix the id")));
            }
        }
        catch (OdooException ex) when (ex.Kind is OdooErrorKind.AccessDenied)
        {
            if (groupsOk)
            {
                lines.Add(Fix($"cannot read analytic plans ({FirstLine(ex.OdooMessage)}): grant the user Analytic Accounting"));
            }

            return names;
        }

        var fields = await _client.CallAsync("account.analytic.line", "fields_get", null, new JsonObject { ["attributes"] = new JsonArray("type", "relation") }, ct).ConfigureAwait(false) as JsonObject;
        var column = _options.EffectiveCostCodeColumn;
        if (fields?[column] is JsonObject definition && OdooCalls.Text(definition["relation"]) == "account.analytic.account")
        {
            lines.Add(Ok($"analytic lines have column {column} for the cost-code plan"));
        }
        else
        {
            lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"account.analytic.line has no analytic column {column}: Odoo creates x_plan<id>_id for each root plan other than Project; make plan {_options.CostCodePlanId} a root plan or set {OdooOptions.Key(nameof(OdooOptions.CostCodePlanColumn))}")));
        }

        return names;
    }

    /// <summary>
    /// Every project and cost code resolves to an analytic account. With one company, as that company sees them; with
    /// several, a project must resolve in at least one company (the one of its currency) and a cost code is reported
    /// with the companies that do not see it, since any project may use it.
    /// </summary>
    private async Task CheckAccountsAsync(List<OdooCheckLine> lines, Dictionary<long, string> planNames, List<long> companies, IEnumerable<string> extraProjects, IEnumerable<string> extraCostCodes, CancellationToken ct)
    {
        var projects = new SortedSet<string>(_options.ProjectAccounts.Keys, StringComparer.Ordinal);
        projects.UnionWith(extraProjects);
        var costCodes = new SortedSet<string>(_options.CostCodeAccounts.Keys, StringComparer.Ordinal);
        costCodes.UnionWith(extraCostCodes);
        if (projects.Count == 0 && costCodes.Count == 0)
        {
            lines.Add(Ok("no project or cost-code accounts configured to check"));
            return;
        }

        if (companies.Count == 0)
        {
            // None of the companies could be read: their accounts cannot be either; the company lines say what to fix.
            companies = [_options.CompanyId];
        }

        var catalogs = new List<(long CompanyId, OdooAnalyticCatalog Catalog)>(companies.Count);
        foreach (var companyId in companies)
        {
            try
            {
                catalogs.Add((companyId, await OdooAnalyticCatalog.LoadAsync(_clients.For(companyId), _options, projects, costCodes, ct).ConfigureAwait(false)));
            }
            catch (OdooException ex) when (ex.Kind is OdooErrorKind.AccessDenied)
            {
                lines.Add(Fix(companies.Count == 1
                    ? $"cannot read analytic accounts ({FirstLine(ex.OdooMessage)}): grant the user Analytic Accounting"
                    : string.Create(CultureInfo.InvariantCulture, $"cannot read analytic accounts in company {companyId} ({FirstLine(ex.OdooMessage)}): grant the user Analytic Accounting and allow it in the company ({_options.CompanyKeys(companyId)})")));
                return;
            }
        }

        if (catalogs.Count == 1)
        {
            var (companyId, catalog) = catalogs[0];
            foreach (var project in projects)
            {
                lines.Add(Account(catalog.Project(project), "project", project, _options.ProjectPlanId, planNames, companyId));
            }

            foreach (var costCode in costCodes)
            {
                lines.Add(Account(catalog.CostCode(costCode), "cost code", costCode, _options.CostCodePlanId, planNames, companyId));
            }

            return;
        }

        foreach (var project in projects)
        {
            lines.Add(AccountInCompanies(catalogs, static (catalog, code) => catalog.Project(code), "project", project, _options.ProjectPlanId, planNames, everyCompany: false));
        }

        foreach (var costCode in costCodes)
        {
            lines.Add(AccountInCompanies(catalogs, static (catalog, code) => catalog.CostCode(code), "cost code", costCode, _options.CostCodePlanId, planNames, everyCompany: true));
        }
    }

    private OdooCheckLine AccountInCompanies(
        List<(long CompanyId, OdooAnalyticCatalog Catalog)> catalogs,
        Func<OdooAnalyticCatalog, string, (OdooAnalyticAccount? Account, string? Problem)> resolve,
        string what,
        string code,
        long planId,
        Dictionary<long, string> planNames,
        bool everyCompany)
    {
        var found = new List<string>();
        var missing = new List<long>();
        OdooCheckLine? firstProblem = null;
        foreach (var (companyId, catalog) in catalogs)
        {
            var resolved = resolve(catalog, code);
            var line = Account(resolved, what, code, planId, planNames, companyId);
            if (line.Ok)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture, $"company {companyId}: {resolved.Account!.DisplayName} (id {resolved.Account.Id})"));
            }
            else
            {
                missing.Add(companyId);
                firstProblem ??= line;
            }
        }

        if (found.Count == 0)
        {
            return Fix(string.Create(CultureInfo.InvariantCulture, $"{firstProblem!.Text} (looked in companies {string.Join(", ", catalogs.Select(static c => c.CompanyId))})"));
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"analytic account for {what} {code}: {string.Join("; ", found)}");
        if (everyCompany && missing.Count > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; not visible in company {string.Join(", ", missing.Select(id => $"{id} ({_options.CompanyKeys(id)})"))}, whose allocations with it would be refused: share the account (no company) or create it there");
        }

        return Ok(text);
    }

    private OdooCheckLine Account((OdooAnalyticAccount? Account, string? Problem) resolved, string what, string code, long planId, Dictionary<long, string> planNames, long companyId)
    {
        var plan = planNames.TryGetValue(planId, out var name) ? string.Create(CultureInfo.InvariantCulture, $"{name} (id {planId})") : planId.ToString(CultureInfo.InvariantCulture);
        if (resolved.Account is { } account)
        {
            if (account.CompanyId is { } company && company != companyId)
            {
                return Fix(string.Create(CultureInfo.InvariantCulture, $"analytic account for {what} {code} ({account.DisplayName}, id {account.Id}) belongs to company {company}, not {companyId}: Odoo refuses lines across companies; share it or fix {_options.CompanyKeys(companyId)}"));
            }

            return Ok(string.Create(CultureInfo.InvariantCulture, $"analytic account for {what} {code}: {account.DisplayName} (id {account.Id})"));
        }

        var problem = resolved.Problem!.Replace(string.Create(CultureInfo.InvariantCulture, $"in plan {planId}"), $"in plan {plan}", StringComparison.Ordinal);
        return Fix(problem);
    }

    private async Task CheckMoveSetupAsync(List<OdooCheckLine> lines, CancellationToken ct)
    {
        try
        {
            var journals = await _client.SearchReadAsync("account.journal", OdooPoster.ById(_options.JournalId), ["name", "code", "type"], ct: ct).ConfigureAwait(false);
            if (journals.Count == 0)
            {
                lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"journal {_options.JournalId} ({OdooOptions.Key(nameof(OdooOptions.JournalId))}) not found: use a Miscellaneous (general) journal's id")));
            }
            else if (OdooCalls.Text(journals[0]["type"]) != "general")
            {
                lines.Add(Fix(string.Create(CultureInfo.InvariantCulture, $"journal {_options.JournalId} {OdooCalls.Text(journals[0]["name"])} is of type {OdooCalls.Text(journals[0]["type"])}: use a Miscellaneous (general) journal")));
            }
            else
            {
                lines.Add(Ok(string.Create(CultureInfo.InvariantCulture, $"journal {_options.JournalId} {OdooCalls.Text(journals[0]["code"])} {OdooCalls.Text(journals[0]["name"])}")));
            }

            var accounts = await _client.SearchReadAsync("account.account", OdooDomain.Of(OdooDomain.In("id", [_options.ExpenseAccountId, _options.RecoveryAccountId])), ["code", "name", "account_type"], ct: ct).ConfigureAwait(false);
            foreach (var (id, key, label) in (ReadOnlySpan<(long, string, string)>)[(_options.ExpenseAccountId, nameof(OdooOptions.ExpenseAccountId), "job-cost expense"), (_options.RecoveryAccountId, nameof(OdooOptions.RecoveryAccountId), "equipment cost recovery")])
            {
                JsonObject? found = null;
                foreach (var account in accounts)
                {
                    if (OdooCalls.Long(account["id"], "account.account.search_read") == id)
                    {
                        found = account;
                    }
                }

                lines.Add(found is null
                    ? Fix(string.Create(CultureInfo.InvariantCulture, $"{label} account {id} ({OdooOptions.Key(key)}) not found: use an account.account id from the chart of accounts"))
                    : Ok(string.Create(CultureInfo.InvariantCulture, $"{label} account {OdooCalls.Text(found["code"])} {OdooCalls.Text(found["name"])} (id {id})")));
            }
        }
        catch (OdooException ex) when (ex.Kind is OdooErrorKind.AccessDenied)
        {
            lines.Add(Fix($"cannot read journals or accounts ({FirstLine(ex.OdooMessage)}): grant the user Accounting/Invoicing"));
        }
    }

    private static HashSet<long> IdSet(JsonNode? value)
    {
        var set = new HashSet<long>();
        if (value is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue v && v.TryGetValue<long>(out var id))
                {
                    set.Add(id);
                }
            }
        }

        return set;
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline];
    }

    private static OdooCheckLine Ok(string text) => new(true, text);

    private static OdooCheckLine Fix(string text) => new(false, text);
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>An analytic account as the integration sees it; <see cref="RootPlanId"/> decides its analytic-line column.</summary>
public sealed record OdooAnalyticAccount(long Id, string Name, string? Code, long PlanId, long RootPlanId, long? CompanyId)
{
    /// <summary>Odoo's display name: <c>[code] name</c>, or the name when there is no code.</summary>
    public string DisplayName => Code is null ? Name : $"[{Code}] {Name}";
}

/// <summary>
/// The analytic accounts behind the configured (or looked-up) project and cost codes, loaded in one
/// <c>search_read</c>; resolves a code to its account or says, in words an operator can act on, why it cannot.
/// </summary>
internal sealed class OdooAnalyticCatalog
{
    internal static readonly string[] AccountFields = ["id", "name", "code", "plan_id", "root_plan_id", "company_id"];

    private readonly OdooOptions _options;
    private readonly Dictionary<long, OdooAnalyticAccount> _byId;
    private readonly Dictionary<string, List<OdooAnalyticAccount>> _byCode;

    private OdooAnalyticCatalog(OdooOptions options, IReadOnlyList<OdooAnalyticAccount> accounts)
    {
        _options = options;
        _byId = new Dictionary<long, OdooAnalyticAccount>(accounts.Count);
        _byCode = new Dictionary<string, List<OdooAnalyticAccount>>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            _byId[account.Id] = account;
            if (account.Code is not null)
            {
                if (!_byCode.TryGetValue(account.Code, out var list))
                {
                    list = [];
                    _byCode[account.Code] = list;
                }

                list.Add(account);
            }
        }
    }

    /// <summary>Loads the accounts mapped in the options and those whose code is one of the given codes.</summary>
    public static async Task<OdooAnalyticCatalog> LoadAsync(IOdooClient client, OdooOptions options, IEnumerable<string> projectCodes, IEnumerable<string> costCodes, CancellationToken ct)
    {
        var ids = new HashSet<long>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var code in projectCodes)
        {
            if (options.ProjectAccounts.TryGetValue(code, out var id))
            {
                ids.Add(id);
            }
            else if (options.ResolveAccountsByCode)
            {
                codes.Add(code);
            }
        }

        foreach (var code in costCodes)
        {
            if (options.CostCodeAccounts.TryGetValue(code, out var id))
            {
                ids.Add(id);
            }
            else if (options.ResolveAccountsByCode)
            {
                codes.Add(code);
            }
        }

        if (ids.Count == 0 && codes.Count == 0)
        {
            return new OdooAnalyticCatalog(options, []);
        }

        var domain = new JsonArray("|", OdooDomain.In("id", ids), OdooDomain.In("code", codes));
        var records = await client.SearchReadAsync("account.analytic.account", domain, AccountFields, ct: ct).ConfigureAwait(false);
        var accounts = new List<OdooAnalyticAccount>(records.Count);
        foreach (var record in records)
        {
            accounts.Add(Parse(record));
        }

        return new OdooAnalyticCatalog(options, accounts);
    }

    internal static OdooAnalyticAccount Parse(JsonObject record)
    {
        var id = OdooCalls.Long(record["id"], "account.analytic.account.search_read");
        var plan = OdooCalls.Many2OneId(record["plan_id"]) ?? 0;
        var root = OdooCalls.Many2OneId(record["root_plan_id"]) ?? plan;
        return new OdooAnalyticAccount(id, OdooCalls.Text(record["name"]) ?? string.Empty, OdooCalls.Text(record["code"]), plan, root, OdooCalls.Many2OneId(record["company_id"]));
    }

    /// <summary>The account with this id, when it was loaded.</summary>
    public bool TryGet(long id, out OdooAnalyticAccount account) => _byId.TryGetValue(id, out account!);

    /// <summary>The root plan of a loaded account, or null when the id is unknown.</summary>
    public long? RootPlanOf(long id) => _byId.TryGetValue(id, out var account) ? account.RootPlanId : null;

    /// <summary>The project's analytic account in the project plan, or the reason there is none.</summary>
    public (OdooAnalyticAccount? Account, string? Problem) Project(string projectCode) =>
        Resolve(projectCode, "project", _options.ProjectAccounts, nameof(OdooOptions.ProjectAccounts), _options.ProjectPlanId, nameof(OdooOptions.ProjectPlanId));

    /// <summary>The cost code's analytic account in the cost-code plan, or the reason there is none.</summary>
    public (OdooAnalyticAccount? Account, string? Problem) CostCode(string costCode) =>
        Resolve(costCode, "cost code", _options.CostCodeAccounts, nameof(OdooOptions.CostCodeAccounts), _options.CostCodePlanId, nameof(OdooOptions.CostCodePlanId));

    private (OdooAnalyticAccount? Account, string? Problem) Resolve(string code, string what, IReadOnlyDictionary<string, long> mapping, string mappingKey, long planId, string planKey)
    {
        var key = OdooOptions.Key(mappingKey) + ":" + code;
        if (mapping.TryGetValue(code, out var mappedId))
        {
            if (!_byId.TryGetValue(mappedId, out var mapped))
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"analytic account {mappedId} for {what} {code} ({key}) not found in Odoo: fix the id or create the account"));
            }

            if (mapped.RootPlanId != planId)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"analytic account {mappedId} for {what} {code} ({key}) is in plan {mapped.RootPlanId}, not plan {planId} ({OdooOptions.Key(planKey)})"));
            }

            return (mapped, null);
        }

        if (!_options.ResolveAccountsByCode)
        {
            return (null, $"{what} {code} has no analytic account: map it as {key}");
        }

        OdooAnalyticAccount? found = null;
        var matches = 0;
        if (_byCode.TryGetValue(code, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (candidate.RootPlanId == planId)
                {
                    found ??= candidate;
                    matches++;
                }
            }
        }

        return matches switch
        {
            0 => (null, string.Create(CultureInfo.InvariantCulture, $"analytic account for {what} {code} not found: create it with code {code} in plan {planId} or map it as {key}")),
            1 => (found, null),
            _ => (null, string.Create(CultureInfo.InvariantCulture, $"{matches} analytic accounts have code {code} in plan {planId}: archive the extras or map one as {key}")),
        };
    }
}

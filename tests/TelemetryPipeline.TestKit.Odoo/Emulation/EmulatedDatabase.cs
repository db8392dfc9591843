using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>Who calls and with which context (<c>allowed_company_ids</c>, <c>active_test</c>).</summary>
internal sealed record CallEnv(long Uid, JsonObject Context)
{
    public bool IsSuperuser => Uid == EmulatedDatabase.SuperuserUid;
}

/// <summary>
/// The in-memory Odoo database: models, records, users, API keys and the ORM operations the external API reaches.
/// Not thread-safe: the emulator serializes requests.
/// </summary>
internal sealed partial class EmulatedDatabase
{
    public const long SuperuserUid = 1;
    public const long AdminUid = 2;
    public const long MainCompanyId = 1;
    public const long ProjectPlanId = 1;

    private readonly Dictionary<string, ModelSpec> _models = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _apiKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);

    public EmulatedDatabase(OdooEmulatorOptions options)
    {
        Name = options.Database;
        DefineModels();
        Seed(options);
    }

    public string Name { get; }

    /// <summary>Records created so far by create/load (all models); drives <c>FailAfterCreates</c>.</summary>
    public long CreatedRecords { get; set; }

    /// <summary>When set, a create that would pass this many more records commits only that many and then fails.</summary>
    public long? CreateBudget { get; set; }

    public ModelSpec Model(string name) => _models[name];

    public bool TryModel(string name, out ModelSpec spec) => _models.TryGetValue(name, out spec!);

    public IEnumerable<string> ModelNames => _models.Keys;

    private void Define(ModelSpec spec) => _models[spec.Name] = spec;

    // ---- users, keys, groups -------------------------------------------------------------------

    /// <summary>uid when (login, password-or-key) match an active user; null otherwise.</summary>
    public long? Login(string login, string secret)
    {
        foreach (var user in Model("res.users").Rows.Values)
        {
            if (user["active"] is true && (string?)user["login"] == login && CheckSecret(user.Id, secret))
            {
                return user.Id;
            }
        }

        return null;
    }

    public bool CheckSecret(long uid, string secret)
    {
        if (!Model("res.users").Rows.TryGetValue(uid, out var user) || user["active"] is not true)
        {
            return false;
        }

        return (user["password"] is string password && password.Length > 0 && password == secret)
            || (_apiKeys.TryGetValue(secret, out var keyUid) && keyUid == uid);
    }

    public long? UidOfApiKey(string key) =>
        _apiKeys.TryGetValue(key, out var uid) && Model("res.users").Rows.TryGetValue(uid, out var user) && user["active"] is true ? uid : null;

    public string IssueApiKey(long uid)
    {
        if (!Model("res.users").Rows.ContainsKey(uid))
        {
            throw new ArgumentException($"No user {uid}.", nameof(uid));
        }

        var key = System.Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        _apiKeys[key] = uid;
        return key;
    }

    public long GroupId(string xmlId)
    {
        var dot = xmlId.IndexOf('.', StringComparison.Ordinal);
        foreach (var data in Model("ir.model.data").Rows.Values)
        {
            if ((string?)data["model"] == "res.groups" && (string?)data["module"] == xmlId[..dot] && (string?)data["name"] == xmlId[(dot + 1)..])
            {
                return (long)data["res_id"]!;
            }
        }

        throw new ArgumentException($"Unknown group {xmlId}.", nameof(xmlId));
    }

    public HashSet<long> EffectiveGroups(long uid)
    {
        var result = new HashSet<long>();
        if (!Model("res.users").Rows.TryGetValue(uid, out var user))
        {
            return result;
        }

        var pending = new Stack<long>((List<long>)user["group_ids"]!);
        var groups = Model("res.groups").Rows;
        while (pending.Count > 0)
        {
            var group = pending.Pop();
            if (result.Add(group) && groups.TryGetValue(group, out var row))
            {
                foreach (var implied in (List<long>)row["implied_ids"]!)
                {
                    pending.Push(implied);
                }
            }
        }

        return result;
    }

    public void CheckAccess(CallEnv env, ModelSpec model, string operation)
    {
        if (env.IsSuperuser)
        {
            return;
        }

        var rule = operation switch
        {
            "read" => model.Read,
            "create" => model.Create,
            _ => model.Write,
        };
        if (rule is null)
        {
            return;
        }

        var groups = EffectiveGroups(env.Uid);
        var labels = new List<string>();
        foreach (var xmlId in rule.GroupXmlIds)
        {
            var id = GroupId(xmlId);
            if (groups.Contains(id))
            {
                return;
            }

            labels.Add((string)Model("res.groups").Rows[id]["full_name"]!);
        }

        var verb = operation switch
        {
            "read" => "access",
            "create" => "create",
            "unlink" => "delete",
            _ => "modify",
        };
        throw new OdooFault(
            OdooFault.AccessError,
            $"You are not allowed to {verb} '{model.Description}' ({model.Name}) records.\n\nThis operation is allowed for the following groups:\n\t- {string.Join("\n\t- ", labels)}\n\nContact your administrator to request access if necessary.");
    }

    /// <summary>The companies searches and creates work in: context <c>allowed_company_ids</c>, else the user's company.</summary>
    public List<long> ActiveCompanies(CallEnv env)
    {
        var user = Model("res.users").Rows[env.Uid];
        var allowed = (List<long>)user["company_ids"]!;
        if (env.Context["allowed_company_ids"] is JsonArray requested && requested.Count > 0)
        {
            var companies = new List<long>();
            foreach (var item in requested)
            {
                var id = item is JsonValue v && v.TryGetValue<long>(out var n) ? n : -1;
                if (!env.IsSuperuser && !allowed.Contains(id))
                {
                    throw new OdooFault(OdooFault.AccessError, "Access to unauthorized or invalid companies.");
                }

                companies.Add(id);
            }

            return companies;
        }

        return [(long)user["company_id"]!];
    }

    // ---- display and computed values -----------------------------------------------------------

    public string DisplayNameOf(Row row)
    {
        foreach (var model in _models.Values)
        {
            if (model.Rows.TryGetValue(row.Id, out var candidate) && ReferenceEquals(candidate, row))
            {
                return model.DisplayName(this, row);
            }
        }

        return row["name"] as string ?? string.Empty;
    }

    public string DisplayNameOf(string model, long id) =>
        _models.TryGetValue(model, out var spec) && spec.Rows.TryGetValue(id, out var row) ? spec.DisplayName(this, row) : string.Empty;

    public long? RootPlanOf(long planId)
    {
        var plans = Model("account.analytic.plan").Rows;
        var current = planId;
        while (plans.TryGetValue(current, out var plan) && plan["parent_id"] is long parent)
        {
            current = parent;
        }

        return plans.ContainsKey(current) ? current : null;
    }

    private string PlanCompleteName(Row plan) =>
        plan["parent_id"] is long parent ? $"{PlanCompleteName(Model("account.analytic.plan").Rows[parent])} / {plan["name"]}" : (string)plan["name"]!;

    public long? CompanyCurrency(long? companyId) =>
        companyId is { } id && Model("res.company").Rows.TryGetValue(id, out var company) ? (long?)company["currency_id"] : null;

    /// <summary>The analytic-line column of a root plan: <c>account_id</c> for Project, <c>x_plan&lt;id&gt;_id</c> otherwise.</summary>
    public static string PlanColumn(long rootPlanId) =>
        rootPlanId == ProjectPlanId ? "account_id" : string.Create(CultureInfo.InvariantCulture, $"x_plan{rootPlanId}_id");

    public IEnumerable<string> PlanColumns()
    {
        foreach (var plan in Model("account.analytic.plan").Rows.Values)
        {
            if (plan["parent_id"] is null)
            {
                yield return PlanColumn(plan.Id);
            }
        }
    }

    // ---- reading -------------------------------------------------------------------------------

    public object? ValueOf(ModelSpec model, FieldSpec field, Row row) =>
        field.Compute is not null ? field.Compute(this, row) : row.GetValueOrDefault(field.Name);

    /// <summary>A field as Odoo's read() formats it: many2one <c>[id, name]</c>, false for empty, numbers as numbers.</summary>
    public JsonNode? Format(ModelSpec model, FieldSpec field, Row row)
    {
        var value = ValueOf(model, field, row);
        switch (field.Type)
        {
            case "many2one":
                return value is long id ? new JsonArray(id, DisplayNameOf(field.Relation!, id)) : false;
            case "one2many" or "many2many":
                var ids = new JsonArray();
                foreach (var item in value as IEnumerable<long> ?? [])
                {
                    ids.Add(item);
                }

                return ids;
            case "integer" or "many2one_reference":
                return value is long n ? n : 0;
            case "float" or "monetary":
                return value is double d ? d : 0.0;
            case "boolean":
                return value is true;
            case "json":
                return value is JsonNode node ? node.DeepClone() : false;
            default:
                return value is string s ? s : false;
        }
    }

    public JsonObject ReadRecord(ModelSpec model, Row row, IReadOnlyList<string> fields)
    {
        var result = new JsonObject { ["id"] = row.Id };
        foreach (var name in fields)
        {
            if (name == "id")
            {
                continue;
            }

            result[name] = Format(model, model.Field(name)!, row);
        }

        return result;
    }

    public IReadOnlyList<string> CheckFields(ModelSpec model, JsonNode? fields)
    {
        var names = new List<string>();
        if (fields is JsonArray array && array.Count > 0)
        {
            foreach (var item in array)
            {
                var name = item?.GetValue<string>() ?? string.Empty;
                if (!model.HasField(name))
                {
                    throw new OdooFault(OdooFault.ValueError, $"Invalid field {Py(name)} on model {Py(model.Name)}");
                }

                names.Add(name);
            }
        }
        else
        {
            foreach (var field in model.Fields)
            {
                names.Add(field.Name);
            }
        }

        return names;
    }

    // ---- helpers -------------------------------------------------------------------------------

    public static double Num(object? value) => value switch
    {
        double d => d,
        long l => l,
        _ => 0.0,
    };

    /// <summary>Python's repr of a string, as Odoo's messages quote names.</summary>
    public static string Py(string text) => "'" + text.Replace("'", "\\'", StringComparison.Ordinal) + "'";

    public static double Round2(double value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    public long NextSequence(string key)
    {
        var next = _sequences.GetValueOrDefault(key) + 1;
        _sequences[key] = next;
        return next;
    }

    /// <summary>Raw stored values of every record of a model, for test assertions (many2one as bare ids).</summary>
    public JsonArray Dump(string model)
    {
        var spec = Model(model);
        var result = new JsonArray();
        foreach (var row in spec.Rows.Values)
        {
            var record = new JsonObject();
            foreach (var (key, value) in row)
            {
                if (key == "password")
                {
                    continue;
                }

                record[key] = value switch
                {
                    null => null,
                    List<long> list => new JsonArray(list.Select(static id => (JsonNode?)id).ToArray()),
                    JsonNode node => node.DeepClone(),
                    string s => s,
                    long l => l,
                    double d => d,
                    bool b => b,
                    _ => JsonSerializer.SerializeToNode(value),
                };
            }

            result.Add(record);
        }

        return result;
    }
}

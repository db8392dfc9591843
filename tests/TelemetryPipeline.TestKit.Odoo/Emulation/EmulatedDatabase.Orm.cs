using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>Thrown after a create was committed when <see cref="EmulatedDatabase.CreateBudget"/> ran out (fault injection).</summary>
internal sealed class InjectedCreateFailure : Exception
{
    public InjectedCreateFailure()
        : base("Injected failure after create (emulator)")
    {
    }

    public InjectedCreateFailure(string message)
        : base(message)
    {
    }

    public InjectedCreateFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

internal sealed partial class EmulatedDatabase
{
    private static readonly HashSet<string> s_companyRestricted = new(StringComparer.Ordinal)
    {
        "account.analytic.line", "account.analytic.account", "account.move", "account.move.line", "account.journal",
    };

    // ---- search ----------------------------------------------------------------------------------

    public List<long> Search(CallEnv env, ModelSpec model, JsonArray domain, long offset, long? limit, string? order)
    {
        CheckAccess(env, model, "read");
        var activeTest = !(env.Context["active_test"] is JsonValue test && test.TryGetValue<bool>(out var flag) && !flag);
        var filterActive = activeTest && model.HasField("active") && !MentionsField(domain, "active");
        // Odoo validates allowed_company_ids whenever a record rule reads env.companies (res.company's own rule does), so an
        // unauthorized company fails every search, not only those of company-restricted models.
        var active = env.IsSuperuser ? null : ActiveCompanies(env);
        List<long>? companies = s_companyRestricted.Contains(model.Name) ? active : null;
        var filter = new DomainFilter(this, model, domain);
        var matches = new List<Row>();
        foreach (var row in model.Rows.Values)
        {
            if (filterActive && row["active"] is not true)
            {
                continue;
            }

            if (companies is not null && row.GetValueOrDefault("company_id") is long company && !companies.Contains(company))
            {
                continue;
            }

            if (filter.Matches(row))
            {
                matches.Add(row);
            }
        }

        matches.Sort(new RowOrder(this, model, order ?? model.Order));
        var ids = new List<long>();
        for (var i = (int)Math.Min(offset, matches.Count); i < matches.Count && (limit is null || ids.Count < limit); i++)
        {
            ids.Add(matches[i].Id);
        }

        return ids;
    }

    private static bool MentionsField(JsonArray domain, string field)
    {
        foreach (var item in domain)
        {
            if (item is JsonArray { Count: 3 } leaf && leaf[0] is JsonValue name && name.TryGetValue<string>(out var text) && text == field)
            {
                return true;
            }
        }

        return false;
    }

    public JsonArray Read(CallEnv env, ModelSpec model, IReadOnlyList<long> ids, JsonNode? fields)
    {
        CheckAccess(env, model, "read");
        var names = CheckFields(model, fields);
        var result = new JsonArray();
        foreach (var id in ids)
        {
            if (!model.Rows.TryGetValue(id, out var row))
            {
                throw new OdooFault(OdooFault.MissingError, string.Create(CultureInfo.InvariantCulture, $"Record does not exist or has been deleted.\n(Record: {model.Name}({id},), User: {env.Uid})"));
            }

            result.Add(ReadRecord(model, row, names));
        }

        return result;
    }

    // ---- create ----------------------------------------------------------------------------------

    /// <summary>
    /// Creates records the way Odoo 19 does, including its order of failures: access and unknown fields are
    /// checked in Python (no id consumed), NOT NULL / foreign keys / unique indexes fail at INSERT (the
    /// PostgreSQL sequence value is consumed), constraints run after the INSERT (all ids consumed); any failure
    /// rolls the whole call back.
    /// </summary>
    public List<long> Create(CallEnv env, ModelSpec model, IReadOnlyList<JsonObject> valsList)
    {
        CheckAccess(env, model, "create");
        foreach (var vals in valsList)
        {
            foreach (var (key, _) in vals)
            {
                if (!model.HasField(key))
                {
                    throw new OdooFault(OdooFault.ValueError, $"Invalid field {Py(key)} in {Py(model.Name)}");
                }
            }
        }

        var prepared = new List<(Row Row, JsonObject Vals)>(valsList.Count);
        foreach (var vals in valsList)
        {
            prepared.Add((BuildRow(env, model, vals), vals));
        }

        var moveLines = model.Name == "account.move" ? PrepareMoveLines(env, prepared) : null;

        var injectFailure = false;
        if (CreateBudget is { } budget && prepared.Count > budget)
        {
            prepared.RemoveRange((int)budget, prepared.Count - (int)budget);
            moveLines?.RemoveRange((int)budget, moveLines.Count - (int)budget);
            injectFailure = true;
        }

        // INSERT: each row takes its id from the sequence, then NOT NULL / FK / unique may fail.
        var inserted = new List<Row>(prepared.Count);
        foreach (var (row, _) in prepared)
        {
            row["id"] = model.NextId++;
            CheckInsert(model, row, inserted);
            inserted.Add(row);
        }

        if (moveLines is not null)
        {
            InsertMoveLines(inserted, moveLines);
        }

        CheckConstraints(env, model, prepared, moveLines);

        foreach (var row in inserted)
        {
            model.Rows[row.Id] = row;
        }

        if (moveLines is not null)
        {
            var lineModel = Model("account.move.line");
            foreach (var lines in moveLines)
            {
                foreach (var line in lines)
                {
                    lineModel.Rows[line.Id] = line;
                }
            }
        }

        AfterCreate(env, model, inserted);
        CreatedRecords += inserted.Count;
        var ids = inserted.ConvertAll(static row => row.Id);
        if (CreateBudget is not null)
        {
            CreateBudget -= inserted.Count;
        }

        if (injectFailure)
        {
            CreateBudget = null;
            throw new InjectedCreateFailure();
        }

        return ids;
    }

    /// <summary>A new row: Odoo's defaults, then the given values converted to stored form (computed fields ignored).</summary>
    private Row BuildRow(CallEnv env, ModelSpec model, JsonObject vals)
    {
        var row = new Row();
        foreach (var field in model.Fields)
        {
            if (field.Compute is null && field.Name != "id")
            {
                row[field.Name] = field.IsX2Many ? new List<long>() : null;
            }
        }

        ApplyDefaults(env, model, row);
        foreach (var (key, value) in vals)
        {
            var field = model.Field(key)!;
            if (field.Compute is not null || key == "id" || (model.Name == "account.move" && key == "line_ids"))
            {
                continue;
            }

            row[key] = Convert(field, value, row.GetValueOrDefault(key));
        }

        if (model.Name == "account.analytic.line" && row["company_id"] is null)
        {
            row["company_id"] = ActiveCompanies(env)[0];
        }

        return row;
    }

    private void ApplyDefaults(CallEnv env, ModelSpec model, Row row)
    {
        var now = Now();
        if (model.HasField("create_date"))
        {
            row["create_date"] = now;
            row["write_date"] = now;
        }

        if (model.HasField("create_uid"))
        {
            row["create_uid"] = env.Uid;
            row["write_uid"] = env.Uid;
        }

        if (model.HasField("active"))
        {
            row["active"] = true;
        }

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        switch (model.Name)
        {
            case "account.analytic.line":
                row["date"] = today;
                row["amount"] = 0.0;
                row["unit_amount"] = 0.0;
                row["category"] = "other";
                row["company_id"] = ActiveCompanies(env)[0];
                foreach (var employee in Model("hr.employee").Rows.Values)
                {
                    if ((long?)employee["user_id"] == env.Uid)
                    {
                        row["employee_id"] = employee.Id;
                        break;
                    }
                }

                break;
            case "account.analytic.account":
                row["company_id"] = ActiveCompanies(env)[0];
                break;
            case "account.analytic.plan":
                row["default_applicability"] = "optional";
                row["sequence"] = 10L;
                break;
            case "account.move":
                row["state"] = "draft";
                row["move_type"] = "entry";
                row["date"] = today;
                break;
            case "res.users":
                row["company_id"] = MainCompanyId;
                row["company_ids"] = new List<long> { MainCompanyId };
                row["group_ids"] = new List<long> { GroupId(GroupUser) };
                break;
            case "res.company":
                row["sequence"] = 10L;
                break;
            case "ir.model.data":
                row["noupdate"] = false;
                break;
            default:
                break;
        }
    }

    /// <summary>A JSON value in stored form for its field; x2many commands apply to <paramref name="current"/>.</summary>
    public object? Convert(FieldSpec field, JsonNode? value, object? current)
    {
        if (field.IsX2Many)
        {
            return ApplyCommands(value, current as List<long> ?? []);
        }

        if (value is null || (value is JsonValue f && f.GetValueKind() == JsonValueKind.False && field.Type != "boolean"))
        {
            return null;
        }

        switch (field.Type)
        {
            case "many2one" or "integer" or "many2one_reference":
                if (value is JsonArray pair && pair.Count > 0)
                {
                    value = pair[0];
                }

                if (value is JsonValue number && number.TryGetValue<long>(out var n))
                {
                    return n;
                }

                if (value is JsonValue real && real.TryGetValue<double>(out var d) && d == Math.Floor(d))
                {
                    return (long)d;
                }

                throw new OdooFault(OdooFault.ValueError, $"invalid literal for int() with base 10: {Py(value?.ToJsonString() ?? "None")}");
            case "float" or "monetary":
                if (value is JsonValue floating && floating.TryGetValue<double>(out var x))
                {
                    return field.Type == "monetary" ? Round2(x) : x;
                }

                if (value is JsonValue text && text.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    return field.Type == "monetary" ? Round2(parsed) : parsed;
                }

                throw new OdooFault(OdooFault.ValueError, $"could not convert string to float: {Py(value.ToJsonString())}");
            case "boolean":
                return value is JsonValue b && b.GetValueKind() == JsonValueKind.True;
            case "json":
                return value is JsonObject obj ? obj.DeepClone() : value.DeepClone();
            default:
                return value is JsonValue str && str.TryGetValue<string>(out var t) ? t : value.ToJsonString();
        }
    }

    private static List<long> ApplyCommands(JsonNode? value, List<long> current)
    {
        var result = new List<long>(current);
        if (value is not JsonArray commands)
        {
            return result;
        }

        foreach (var command in commands)
        {
            if (command is JsonValue bare && bare.TryGetValue<long>(out var plainId))
            {
                if (!result.Contains(plainId))
                {
                    result.Add(plainId);
                }

                continue;
            }

            if (command is not JsonArray { Count: > 0 } parts || !parts[0]!.AsValue().TryGetValue<long>(out var code))
            {
                continue;
            }

            switch (code)
            {
                case 3 or 2:
                    result.Remove(parts[1]!.GetValue<long>());
                    break;
                case 4:
                    var added = parts[1]!.GetValue<long>();
                    if (!result.Contains(added))
                    {
                        result.Add(added);
                    }

                    break;
                case 5:
                    result.Clear();
                    break;
                case 6:
                    result.Clear();
                    foreach (var id in parts[2]!.AsArray())
                    {
                        result.Add(id!.GetValue<long>());
                    }

                    break;
                default:
                    break;
            }
        }

        return result;
    }

    private void CheckInsert(ModelSpec model, Row row, List<Row> insertedSoFar, string? pendingParent = null)
    {
        foreach (var field in model.Fields)
        {
            if (field.NotNull && field.Compute is null && row.GetValueOrDefault(field.Name) is null)
            {
                throw new OdooFault(
                    OdooFault.ValidationError,
                    $"The operation cannot be completed: Missing required value for the field '{field.Label}' ({field.Name}).\nModel: '{model.Description}' ({model.Name})\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n");
            }
        }

        CheckForeignKeys(model, row, pendingParent);
        if (model.Name == "ir.model.data")
        {
            foreach (var other in model.Rows.Values.Concat(insertedSoFar))
            {
                if ((string?)other["module"] == (string?)row["module"] && (string?)other["name"] == (string?)row["name"])
                {
                    throw new OdooFault(
                        OdooFault.ValidationError,
                        $"The operation cannot be completed: duplicate key value violates unique constraint \"ir_model_data_module_name_uniq_index\"\nDETAIL:  Key (module, name)=({row["module"]}, {row["name"]}) already exists.\n");
                }
            }
        }
    }

    private void CheckForeignKeys(ModelSpec model, Row row, string? pendingParent = null)
    {
        foreach (var field in model.Fields)
        {
            if (field.Type == "many2one" && field.Compute is null && field.Name != pendingParent && row.GetValueOrDefault(field.Name) is long target
                && !(TryModel(field.Relation!, out var related) && related.Rows.ContainsKey(target)))
            {
                // PostgreSQL's foreign-key violation, which Odoo words as if a record were being deleted.
                throw new OdooFault(
                    OdooFault.ValidationError,
                    $"The operation cannot be completed: Another model is using the record you are trying to delete.\n\nThe troublemaker is: '{model.Description}' ({model.Name})\nThanks to the following constraint: '{field.Label}' ({field.Name})\nHow about archiving the record instead?");
            }
        }
    }

    /// <summary>A server-side constraint tests add (a custom module, a lock date): matching values are refused after INSERT.</summary>
    public (Func<string, JsonObject, bool> Predicate, string Message)? Rejection { get; set; }

    private void CheckConstraints(CallEnv env, ModelSpec model, List<(Row Row, JsonObject Vals)> prepared, List<List<Row>>? moveLines)
    {
        if (Rejection is { } rejection)
        {
            foreach (var (_, vals) in prepared)
            {
                if (rejection.Predicate(model.Name, vals))
                {
                    throw new OdooFault(OdooFault.ValidationError, rejection.Message);
                }
            }
        }

        switch (model.Name)
        {
            case "account.analytic.line":
                foreach (var (row, vals) in prepared)
                {
                    CheckAnalyticLine(row, vals);
                }

                break;
            case "account.move":
                for (var i = 0; i < prepared.Count; i++)
                {
                    CheckBalanced(moveLines![i]);
                }

                break;
            default:
                break;
        }

        _ = env;
    }

    private void AfterCreate(CallEnv env, ModelSpec model, List<Row> inserted)
    {
        switch (model.Name)
        {
            case "account.analytic.plan":
                foreach (var plan in inserted)
                {
                    if (plan["parent_id"] is null)
                    {
                        AddPlanColumn(plan);
                    }
                }

                break;
            case "res.company":
                foreach (var company in inserted)
                {
                    // The creator joins the new company; hr_timesheet gives every company an "Internal" project account.
                    var creator = Model("res.users").Rows[env.Uid];
                    ((List<long>)creator["company_ids"]!).Add(company.Id);
                    var accounts = Model("account.analytic.account");
                    var internalAccount = new Row();
                    foreach (var field in accounts.Fields)
                    {
                        if (field.Compute is null && field.Name != "id")
                        {
                            internalAccount[field.Name] = field.IsX2Many ? new List<long>() : null;
                        }
                    }

                    internalAccount["id"] = accounts.NextId++;
                    internalAccount["name"] = "Internal";
                    internalAccount["plan_id"] = ProjectPlanId;
                    internalAccount["company_id"] = company.Id;
                    internalAccount["active"] = true;
                    internalAccount["create_date"] = Now();
                    accounts.Rows[internalAccount.Id] = internalAccount;
                }

                break;
            default:
                break;
        }
    }

    private void AddPlanColumn(Row plan)
    {
        var column = PlanColumn(plan.Id);
        var lines = Model("account.analytic.line");
        if (!lines.HasField(column))
        {
            lines.Add(new FieldSpec(column, "many2one", (string)plan["name"]!, false, "account.analytic.account"));
            foreach (var row in lines.Rows.Values)
            {
                row[column] = null;
            }
        }
    }

    // ---- write / unlink ----------------------------------------------------------------------------

    public void Write(CallEnv env, ModelSpec model, IReadOnlyList<long> ids, JsonObject vals)
    {
        CheckAccess(env, model, "write");
        foreach (var (key, _) in vals)
        {
            if (!model.HasField(key))
            {
                throw new OdooFault(OdooFault.ValueError, $"Invalid field {Py(key)} in {Py(model.Name)}");
            }
        }

        var updated = new List<Row>();
        foreach (var id in ids)
        {
            if (!model.Rows.TryGetValue(id, out var row))
            {
                throw new OdooFault(OdooFault.MissingError, string.Create(CultureInfo.InvariantCulture, $"Record does not exist or has been deleted.\n(Record: {model.Name}({id},), User: {env.Uid})"));
            }

            var copy = row.Clone();
            foreach (var (key, value) in vals)
            {
                var field = model.Field(key)!;
                if (field.Compute is null && key != "id")
                {
                    copy[key] = Convert(field, value, copy.GetValueOrDefault(key));
                }
            }

            if (model.HasField("write_date"))
            {
                copy["write_date"] = Now();
                copy["write_uid"] = env.Uid;
            }

            CheckForeignKeys(model, copy);
            updated.Add(copy);
        }

        foreach (var row in updated)
        {
            model.Rows[row.Id] = row;
        }
    }

    public void Unlink(CallEnv env, ModelSpec model, IReadOnlyList<long> ids)
    {
        CheckAccess(env, model, "unlink");
        foreach (var id in ids)
        {
            if (model.Name == "account.move" && model.Rows.TryGetValue(id, out var move) && (string?)move["state"] == "posted")
            {
                throw new OdooFault(OdooFault.UserError, "You cannot delete an entry which has been posted once.");
            }
        }

        foreach (var id in ids)
        {
            model.Rows.Remove(id);
            if (model.Name == "account.move")
            {
                var lines = Model("account.move.line").Rows;
                foreach (var lineId in MoveLineIds(id))
                {
                    lines.Remove(lineId);
                }
            }
        }
    }

    // ---- fields_get / load -------------------------------------------------------------------------

    public JsonObject FieldsGet(ModelSpec model, JsonNode? allfields, JsonNode? attributes)
    {
        var wanted = new SortedSet<string>(StringComparer.Ordinal);
        if (attributes is JsonArray list && list.Count > 0)
        {
            foreach (var item in list)
            {
                wanted.Add(item!.GetValue<string>());
            }
        }
        else
        {
            wanted.UnionWith(["readonly", "relation", "required", "string", "type"]);
        }

        HashSet<string>? only = null;
        if (allfields is JsonArray names && names.Count > 0)
        {
            only = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                only.Add(name!.GetValue<string>());
            }
        }

        var result = new JsonObject();
        foreach (var field in model.Fields)
        {
            if (only is not null && !only.Contains(field.Name))
            {
                continue;
            }

            var description = new JsonObject();
            foreach (var attribute in wanted)
            {
                switch (attribute)
                {
                    case "relation" when field.Relation is not null:
                        description["relation"] = field.Relation;
                        break;
                    case "required":
                        description["required"] = field.Required;
                        break;
                    case "readonly":
                        description["readonly"] = field.Compute is not null;
                        break;
                    case "string":
                        description["string"] = field.Label;
                        break;
                    case "type":
                        description["type"] = field.Type;
                        break;
                    default:
                        break;
                }
            }

            result[field.Name] = description;
        }

        return result;
    }
}

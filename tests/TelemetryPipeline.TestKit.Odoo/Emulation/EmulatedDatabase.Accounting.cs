using System.Globalization;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>Analytic lines, journal entries and their quirks as recorded against Odoo 19.</summary>
internal sealed partial class EmulatedDatabase
{
    // ---- analytic lines --------------------------------------------------------------------------

    /// <summary>
    /// Odoo's post-insert checks on analytic lines: "At least one analytic account must be set" only fires when a
    /// plan column is in the values (fixture 24 vs 25), and an account of another company is refused (86).
    /// </summary>
    private void CheckAnalyticLine(Row row, JsonObject vals)
    {
        var columns = PlanColumns().ToList();
        var mentioned = false;
        var anySet = false;
        foreach (var column in columns)
        {
            mentioned |= vals.ContainsKey(column);
            anySet |= row.GetValueOrDefault(column) is long;
        }

        if (mentioned && !anySet)
        {
            throw new OdooFault(OdooFault.ValidationError, "At least one analytic account must be set");
        }

        var lines = Model("account.analytic.line");
        var company = (long?)row["company_id"];
        foreach (var column in columns)
        {
            if (row.GetValueOrDefault(column) is long accountId
                && Model("account.analytic.account").Rows[accountId]["company_id"] is long accountCompany
                && accountCompany != company)
            {
                var companyName = company is { } c ? (string)Model("res.company").Rows[c]["name"]! : string.Empty;
                var label = lines.Field(column)!.Label;
                throw new OdooFault(
                    OdooFault.UserError,
                    $"Uh-oh! You\u2019ve got some company inconsistencies here:\n- \u201c{row["name"]}\u201d belongs to company \u201c{companyName}\u201d while \u201c{label}\u201d ({column}: '{DisplayNameOf("account.analytic.account", accountId)}') belongs to another company.\nTo avoid a mess, no company crossover is allowed!");
            }
        }
    }

    /// <summary>The computed distribution of a line: its plan accounts joined by commas, 100 %.</summary>
    private JsonObject? LineDistribution(Row row)
    {
        var ids = new List<string>();
        foreach (var column in PlanColumns())
        {
            if (row.GetValueOrDefault(column) is long id)
            {
                ids.Add(id.ToString(CultureInfo.InvariantCulture));
            }
        }

        return ids.Count == 0 ? null : new JsonObject { [string.Join(',', ids)] = 100 };
    }

    private List<long> LinesOfAccount(long accountId)
    {
        var ids = new List<long>();
        foreach (var line in Model("account.analytic.line").Rows.Values)
        {
            foreach (var column in PlanColumns())
            {
                if (line.GetValueOrDefault(column) is long id && id == accountId)
                {
                    ids.Add(line.Id);
                    break;
                }
            }
        }

        return ids;
    }

    /// <summary>Balance (sign 0), debit (1: sum of negative amounts, as a positive number) or credit (-1).</summary>
    private double AccountBalance(long accountId, int sign)
    {
        double total = 0;
        var lines = Model("account.analytic.line").Rows;
        foreach (var id in LinesOfAccount(accountId))
        {
            var amount = Num(lines[id]["amount"]);
            total += sign switch
            {
                0 => amount,
                1 => amount < 0 ? -amount : 0,
                _ => amount > 0 ? amount : 0,
            };
        }

        return Round2(total);
    }

    // ---- journal entries -------------------------------------------------------------------------

    /// <summary>Parses <c>line_ids</c> commands (<c>[0, 0, {values}]</c>) of each move; unknown line fields fail in Python.</summary>
    private List<List<Row>> PrepareMoveLines(CallEnv env, List<(Row Row, JsonObject Vals)> moves)
    {
        var lineModel = Model("account.move.line");
        var result = new List<List<Row>>(moves.Count);
        foreach (var (move, vals) in moves)
        {
            if (move["journal_id"] is null)
            {
                foreach (var journal in Model("account.journal").Rows.Values)
                {
                    if ((string?)journal["type"] == "general" && ActiveCompanies(env).Contains((long)journal["company_id"]!))
                    {
                        move["journal_id"] = journal.Id;
                        break;
                    }
                }
            }

            if (move["journal_id"] is long journalId && Model("account.journal").Rows.TryGetValue(journalId, out var journalRow))
            {
                move["company_id"] = journalRow["company_id"];
                move["currency_id"] = journalRow["currency_id"] ?? CompanyCurrency((long?)journalRow["company_id"]);
            }

            var lines = new List<Row>();
            if (vals["line_ids"] is JsonArray commands)
            {
                foreach (var command in commands)
                {
                    if (command is not JsonArray { Count: 3 } parts || parts[2] is not JsonObject lineVals)
                    {
                        continue;
                    }

                    foreach (var (key, _) in lineVals)
                    {
                        if (!lineModel.HasField(key))
                        {
                            throw new OdooFault(OdooFault.ValueError, $"Invalid field {Py(key)} in {Py(lineModel.Name)}");
                        }
                    }

                    var line = BuildRow(env, lineModel, lineVals);
                    line["debit"] ??= 0.0;
                    line["credit"] ??= 0.0;
                    line["quantity"] ??= 0.0;
                    line["company_id"] = move["company_id"];
                    line["currency_id"] = move["currency_id"];
                    lines.Add(line);
                }
            }

            result.Add(lines);
        }

        return result;
    }

    private void InsertMoveLines(List<Row> moves, List<List<Row>> moveLines)
    {
        var lineModel = Model("account.move.line");
        for (var i = 0; i < moves.Count; i++)
        {
            foreach (var line in moveLines[i])
            {
                line["id"] = lineModel.NextId++;
                line["move_id"] = moves[i].Id;
                CheckInsert(lineModel, line, [], pendingParent: "move_id");
            }
        }
    }

    private static void CheckBalanced(List<Row> lines)
    {
        double balance = 0;
        foreach (var line in lines)
        {
            balance += Num(line["debit"]) - Num(line["credit"]);
        }

        if (Math.Abs(Round2(balance)) >= 0.005)
        {
            throw new OdooFault(OdooFault.UserError, "The entry is not balanced.");
        }
    }

    private List<long> MoveLineIds(long moveId)
    {
        var ids = new List<long>();
        foreach (var line in Model("account.move.line").Rows.Values)
        {
            if ((long?)line["move_id"] == moveId)
            {
                ids.Add(line.Id);
            }
        }

        return ids;
    }

    /// <summary>An entry's total: the sum of its debits.</summary>
    private double MoveTotal(long moveId)
    {
        double total = 0;
        var lines = Model("account.move.line").Rows;
        foreach (var id in MoveLineIds(moveId))
        {
            total += Num(lines[id]["debit"]);
        }

        return Round2(total);
    }

    private string MoveLineDisplayName(Row line)
    {
        var move = Model("account.move").Rows[(long)line["move_id"]!];
        var name = move["name"] as string ?? "Draft Entry";
        var reference = move["ref"] is string r ? $" ({r})" : string.Empty;
        var label = line["name"] is string l ? " " + l : string.Empty;
        return name + reference + label;
    }

    private List<long> AnalyticLinesOfMoveLine(long moveLineId)
    {
        var lines = new List<Row>();
        foreach (var line in Model("account.analytic.line").Rows.Values)
        {
            if ((long?)line["move_line_id"] == moveLineId)
            {
                lines.Add(line);
            }
        }

        var model = Model("account.analytic.line");
        lines.Sort(new RowOrder(this, model, model.Order));
        return lines.ConvertAll(static l => l.Id);
    }

    /// <summary>
    /// <c>action_post</c>: draft only (48), balanced, a sequence name like MISC/2026/01/0001 (44), and one analytic
    /// line per distribution key whose accounts exist, amount = −balance × percent (46). Unknown ids are skipped
    /// silently (49–51) and percentages are not checked (52–54). Returns false, as Odoo does.
    /// </summary>
    public void ActionPost(CallEnv env, IReadOnlyList<long> ids)
    {
        var moves = Model("account.move");
        CheckAccess(env, moves, "write");
        foreach (var id in ids)
        {
            if (!moves.Rows.TryGetValue(id, out var move))
            {
                throw new OdooFault(OdooFault.MissingError, string.Create(CultureInfo.InvariantCulture, $"Record does not exist or has been deleted.\n(Record: account.move({id},), User: {env.Uid})"));
            }

            if ((string?)move["state"] != "draft")
            {
                throw new OdooFault(OdooFault.UserError, string.Create(CultureInfo.InvariantCulture, $"The entry {move["name"] ?? "/"} (id {id}) must be in draft."));
            }
        }

        foreach (var id in ids)
        {
            var move = moves.Rows[id];
            var lineRows = MoveLineIds(id).ConvertAll(lineId => Model("account.move.line").Rows[lineId]);
            CheckBalanced(lineRows);
            var journal = Model("account.journal").Rows[(long)move["journal_id"]!];
            var date = DateOnly.ParseExact((string)move["date"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var prefix = string.Create(CultureInfo.InvariantCulture, $"{journal["code"]}/{date:yyyy}/{date:MM}/");
            move["name"] = string.Create(CultureInfo.InvariantCulture, $"{prefix}{NextSequence(prefix):0000}");
            move["state"] = "posted";
            foreach (var line in lineRows)
            {
                CreateAnalyticLinesFor(move, line);
            }
        }
    }

    private void CreateAnalyticLinesFor(Row move, Row line)
    {
        if (line["analytic_distribution"] is not JsonObject distribution)
        {
            return;
        }

        var analytic = Model("account.analytic.line");
        var accounts = Model("account.analytic.account").Rows;
        var balance = Num(line["debit"]) - Num(line["credit"]);
        foreach (var (key, value) in distribution)
        {
            var percent = value is JsonValue v && v.TryGetValue<double>(out var p) ? p : 0;
            var row = new Row();
            foreach (var field in analytic.Fields)
            {
                if (field.Compute is null && field.Name != "id")
                {
                    row[field.Name] = field.IsX2Many ? new List<long>() : null;
                }
            }

            var any = false;
            foreach (var part in key.Split(','))
            {
                if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var accountId) && accounts.TryGetValue(accountId, out var account)
                    && RootPlanOf((long)account["plan_id"]!) is { } root && analytic.HasField(PlanColumn(root)))
                {
                    row[PlanColumn(root)] = accountId;
                    any = true;
                }
            }

            if (!any)
            {
                continue;
            }

            row["id"] = analytic.NextId++;
            row["name"] = line["name"];
            row["date"] = move["date"];
            row["ref"] = move["ref"];
            row["amount"] = Round2(-balance * percent / 100.0);
            row["unit_amount"] = Num(line["quantity"]);
            row["general_account_id"] = line["account_id"];
            row["move_line_id"] = line.Id;
            row["journal_id"] = move["journal_id"];
            row["company_id"] = move["company_id"];
            row["category"] = "other";
            row["create_date"] = Now();
            row["write_date"] = row["create_date"];
            analytic.Rows[row.Id] = row;
        }
    }

    // ---- load() ----------------------------------------------------------------------------------

    /// <summary>
    /// <c>load(fields, data)</c>: an upsert keyed by the <c>id</c> column (an external id). Bad rows are reported in
    /// <c>messages</c> without raising, and then nothing is kept and <c>ids</c> is false (61–64).
    /// </summary>
    public JsonObject Load(CallEnv env, ModelSpec model, JsonArray fields, JsonArray data)
    {
        var messages = new JsonArray();
        var ids = new List<long>();
        var columns = fields.Select(static f => f!.GetValue<string>()).ToList();
        var pending = new List<(string? XmlId, long? Existing, JsonObject Vals)>();
        for (var r = 0; r < data.Count; r++)
        {
            var cells = data[r]!.AsArray();
            var vals = new JsonObject();
            string? xmlId = null;
            for (var c = 0; c < columns.Count && c < cells.Count; c++)
            {
                var column = columns[c];
                var cell = cells[c]?.GetValue<string>() ?? string.Empty;
                if (column == "id")
                {
                    xmlId = cell.Length == 0 ? null : (cell.Contains('.', StringComparison.Ordinal) ? cell : "__import__." + cell);
                    continue;
                }

                var fieldName = column.EndsWith("/.id", StringComparison.Ordinal) ? column[..^4] : column;
                var field = model.Field(fieldName);
                if (field is null)
                {
                    messages.Add(LoadMessage(r, fieldName, fieldName, $"Unknown field {Py(fieldName)}", null));
                    continue;
                }

                if (cell.Length == 0)
                {
                    continue;
                }

                switch (field.Type)
                {
                    case "date":
                        if (!DateOnly.TryParseExact(cell, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                        {
                            messages.Add(LoadMessage(r, fieldName, field.Label, $"{Py(cell)} does not seem to be a valid date for field {Py(field.Label)}", "Use the format '2012-12-31'"));
                            continue;
                        }

                        vals[fieldName] = cell;
                        break;
                    case "float" or "monetary":
                        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                        {
                            messages.Add(LoadMessage(r, fieldName, field.Label, $"{Py(cell)} does not seem to be a number for field {Py(field.Label)}", null));
                            continue;
                        }

                        vals[fieldName] = number;
                        break;
                    case "many2one" or "integer":
                        if (!long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                        {
                            messages.Add(LoadMessage(r, fieldName, field.Label, $"{Py(cell)} does not seem to be an integer for field {Py(field.Label)}", null));
                            continue;
                        }

                        vals[fieldName] = id;
                        break;
                    default:
                        vals[fieldName] = cell;
                        break;
                }
            }

            pending.Add((xmlId, xmlId is null ? null : ResolveXmlId(xmlId, model.Name), vals));
        }

        var snapshot = new Dictionary<long, Row>();
        for (var r = 0; r < pending.Count; r++)
        {
            var (xmlId, existing, vals) = pending[r];
            try
            {
                if (existing is { } id)
                {
                    snapshot.TryAdd(id, model.Rows[id].Clone());
                    Write(env, model, [id], vals);
                    ids.Add(id);
                }
                else
                {
                    var created = Create(env, model, [vals])[0];
                    ids.Add(created);
                    if (xmlId is not null)
                    {
                        var dot = xmlId.IndexOf('.', StringComparison.Ordinal);
                        Create(new CallEnv(SuperuserUid, []), Model("ir.model.data"), [new JsonObject { ["module"] = xmlId[..dot], ["name"] = xmlId[(dot + 1)..], ["model"] = model.Name, ["res_id"] = created }]);
                    }
                }
            }
            catch (OdooFault fault) when (fault.Name != OdooFault.AccessError)
            {
                messages.Add(new JsonObject
                {
                    ["rows"] = new JsonObject { ["from"] = r, ["to"] = r },
                    ["type"] = "error",
                    ["record"] = r,
                    ["message"] = fault.Message,
                });
            }
        }

        if (messages.Count > 0)
        {
            // Odoo rolls the savepoint back; the sequence values stay consumed.
            foreach (var (xmlId, existing, _) in pending)
            {
                if (existing is null && xmlId is not null)
                {
                    RemoveXmlId(xmlId);
                }
            }

            foreach (var id in ids)
            {
                if (snapshot.TryGetValue(id, out var before))
                {
                    model.Rows[id] = before;
                }
                else
                {
                    model.Rows.Remove(id);
                }
            }

            return new JsonObject { ["ids"] = false, ["messages"] = messages, ["nextrow"] = 0 };
        }

        var idArray = new JsonArray();
        foreach (var id in ids)
        {
            idArray.Add(id);
        }

        return new JsonObject { ["ids"] = idArray, ["messages"] = messages, ["nextrow"] = 0 };
    }

    private static JsonObject LoadMessage(int row, string field, string label, string message, string? moreInfo)
    {
        var result = new JsonObject
        {
            ["rows"] = new JsonObject { ["from"] = row, ["to"] = row },
            ["type"] = "error",
            ["record"] = row,
            ["field"] = field,
            ["message"] = message,
        };
        if (moreInfo is not null)
        {
            result["moreinfo"] = moreInfo;
        }

        result["field_name"] = label;
        return result;
    }

    private long? ResolveXmlId(string xmlId, string model)
    {
        var dot = xmlId.IndexOf('.', StringComparison.Ordinal);
        foreach (var data in Model("ir.model.data").Rows.Values)
        {
            if ((string?)data["module"] == xmlId[..dot] && (string?)data["name"] == xmlId[(dot + 1)..] && (string?)data["model"] == model
                && data["res_id"] is long id && Model(model).Rows.ContainsKey(id))
            {
                return id;
            }
        }

        return null;
    }

    private void RemoveXmlId(string xmlId)
    {
        var dot = xmlId.IndexOf('.', StringComparison.Ordinal);
        var rows = Model("ir.model.data").Rows;
        foreach (var data in rows.Values.ToList())
        {
            if ((string?)data["module"] == xmlId[..dot] && (string?)data["name"] == xmlId[(dot + 1)..])
            {
                rows.Remove(data.Id);
            }
        }
    }
}

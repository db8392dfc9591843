using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>
/// Evaluates an Odoo domain (Polish-notation <c>&amp;</c>, <c>|</c>, <c>!</c> over <c>[path, operator, value]</c> leaves,
/// implicitly AND-ed; dotted paths follow many2one and x2many fields) against stored rows.
/// </summary>
internal sealed class DomainFilter
{
    private readonly EmulatedDatabase _db;
    private readonly ModelSpec _model;
    private readonly List<JsonNode?> _items;

    public DomainFilter(EmulatedDatabase db, ModelSpec model, JsonArray domain)
    {
        _db = db;
        _model = model;
        _items = [.. domain];
        foreach (var item in _items)
        {
            if (item is JsonArray { Count: 3 } leaf)
            {
                var path = leaf[0]!.GetValue<string>();
                ResolvePath(model, path, leaf);
                var op = leaf[1]!.GetValue<string>();
                if (op is not ("=" or "!=" or "<>" or "<" or ">" or "<=" or ">=" or "in" or "not in" or "like" or "ilike" or "not like" or "not ilike" or "=like" or "=ilike" or "child_of" or "parent_of"))
                {
                    throw new OdooFault(OdooFault.ValueError, $"Invalid leaf {LeafText(leaf)}");
                }
            }
            else if (item is not JsonValue op || op.GetValue<string>() is not ("&" or "|" or "!"))
            {
                throw new OdooFault(OdooFault.ValueError, $"Invalid domain term {item?.ToJsonString() ?? "None"}");
            }
        }
    }

    public bool Matches(Row row)
    {
        var stack = new Stack<bool>();
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            switch (_items[i])
            {
                case JsonArray leaf:
                    stack.Push(EvaluateLeaf(_model, row, leaf[0]!.GetValue<string>(), leaf[1]!.GetValue<string>(), leaf[2]));
                    break;
                case JsonValue op when op.GetValue<string>() == "!":
                    stack.Push(!stack.Pop());
                    break;
                case JsonValue op:
                    var a = stack.Pop();
                    var b = stack.Pop();
                    stack.Push(op.GetValue<string>() == "&" ? a && b : a || b);
                    break;
                default:
                    break;
            }
        }

        foreach (var value in stack)
        {
            if (!value)
            {
                return false;
            }
        }

        return true;
    }

    private void ResolvePath(ModelSpec model, string path, JsonArray leaf)
    {
        var current = model;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var field = current.Field(parts[i]) ?? throw new OdooFault(OdooFault.ValueError, $"Invalid field {current.Name}.{parts[i]} in leaf {LeafText(leaf)}");
            if (i < parts.Length - 1)
            {
                if (field.Relation is null || !_db.TryModel(field.Relation, out current))
                {
                    throw new OdooFault(OdooFault.ValueError, $"Invalid field {current.Name}.{parts[i + 1]} in leaf {LeafText(leaf)}");
                }
            }
        }
    }

    private static string LeafText(JsonArray leaf) =>
        $"({EmulatedDatabase.Py(leaf[0]?.ToString() ?? string.Empty)}, {EmulatedDatabase.Py(leaf[1]?.ToString() ?? string.Empty)}, {leaf[2]?.ToJsonString() ?? "None"})";

    private bool EvaluateLeaf(ModelSpec model, Row row, string path, string op, JsonNode? value)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var fieldName = dot < 0 ? path : path[..dot];
        var field = model.Field(fieldName)!;
        var stored = _db.ValueOf(model, field, row);
        if (dot >= 0)
        {
            var related = _db.Model(field.Relation!);
            var rest = path[(dot + 1)..];
            IEnumerable<long> targets = stored switch
            {
                long id => [id],
                IEnumerable<long> ids => ids,
                _ => [],
            };
            var negative = op is "!=" or "<>" or "not in" or "not like" or "not ilike";
            var any = false;
            foreach (var target in targets)
            {
                if (related.Rows.TryGetValue(target, out var targetRow) && EvaluateLeaf(related, targetRow, rest, op, value))
                {
                    any = true;
                    break;
                }
            }

            return any || (negative && !targets.Any());
        }

        return Compare(field, stored, op, value);
    }

    private bool Compare(FieldSpec field, object? stored, string op, JsonNode? value)
    {
        switch (op)
        {
            case "=" or "child_of" or "parent_of":
                return EqualsValue(field, stored, value);
            case "!=" or "<>":
                return !EqualsValue(field, stored, value);
            case "in":
                return InList(field, stored, value);
            case "not in":
                return !InList(field, stored, value);
            case "<" or ">" or "<=" or ">=":
                if (stored is null || value is null || (value is JsonValue f && f.GetValueKind() == JsonValueKind.False))
                {
                    return false;
                }

                var cmp = CompareScalar(stored, value);
                return op switch
                {
                    "<" => cmp < 0,
                    ">" => cmp > 0,
                    "<=" => cmp <= 0,
                    _ => cmp >= 0,
                };
            case "like" or "ilike" or "not like" or "not ilike":
                var text = Text(field, stored);
                var needle = value?.ToString() ?? string.Empty;
                var comparison = op.Contains("ilike", StringComparison.Ordinal) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                var contains = text is not null && text.Contains(needle, comparison);
                return op.StartsWith("not", StringComparison.Ordinal) ? !contains : contains;
            default:
                var subject = Text(field, stored);
                if (subject is null)
                {
                    return false;
                }

                var pattern = new StringBuilder("^");
                foreach (var c in value?.ToString() ?? string.Empty)
                {
                    pattern.Append(c switch
                    {
                        '%' => ".*",
                        '_' => ".",
                        _ => Regex.Escape(c.ToString()),
                    });
                }

                pattern.Append('$');
                return Regex.IsMatch(subject, pattern.ToString(), op == "=ilike" ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.CultureInvariant);
        }
    }

    private string? Text(FieldSpec field, object? stored) => stored switch
    {
        null => null,
        long id when field.Type == "many2one" => _db.DisplayNameOf(field.Relation!, id),
        string s => s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => stored.ToString(),
    };

    private bool EqualsValue(FieldSpec field, object? stored, JsonNode? value)
    {
        if (value is null || (value is JsonValue f && f.GetValueKind() == JsonValueKind.False && field.Type != "boolean"))
        {
            return stored is null || (stored is List<long> list && list.Count == 0) || (stored is string s && s.Length == 0);
        }

        if (stored is List<long> ids)
        {
            return value is JsonValue v && v.TryGetValue<long>(out var id) && ids.Contains(id);
        }

        if (field.Type == "many2one" && value is JsonValue name && name.TryGetValue<string>(out var text))
        {
            return stored is long target && _db.DisplayNameOf(field.Relation!, target) == text;
        }

        return stored is not null && CompareScalar(stored, value) == 0;
    }

    private bool InList(FieldSpec field, object? stored, JsonNode? value)
    {
        if (value is not JsonArray list)
        {
            return EqualsValue(field, stored, value);
        }

        foreach (var item in list)
        {
            if (EqualsValue(field, stored, item))
            {
                return true;
            }
        }

        return false;
    }

    private static int CompareScalar(object stored, JsonNode value)
    {
        var element = value.AsValue();
        return stored switch
        {
            long l when element.TryGetValue<double>(out var d) => ((double)l).CompareTo(d),
            double x when element.TryGetValue<double>(out var d) => x.CompareTo(d),
            bool b when element.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.CompareTo(element.GetValueKind() == JsonValueKind.True),
            string s when element.TryGetValue<string>(out var t) => string.CompareOrdinal(s, t),
            _ => -2,
        } switch
        {
            -2 => 1,
            var c => Math.Sign(c),
        };
    }
}

/// <summary>Sorts rows by an Odoo order spec (<c>"date desc, id desc"</c>); empty values last ascending, first descending.</summary>
internal sealed class RowOrder : IComparer<Row>
{
    private readonly EmulatedDatabase _db;
    private readonly ModelSpec _model;
    private readonly List<(FieldSpec Field, bool Descending)> _keys = [];

    public RowOrder(EmulatedDatabase db, ModelSpec model, string order)
    {
        _db = db;
        _model = model;
        foreach (var part in order.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var field = model.Field(words[0]) ?? throw new OdooFault(OdooFault.ValueError, $"Invalid \"order\" specified ({order}).");
            _keys.Add((field, words.Length > 1 && words[1].Equals("desc", StringComparison.OrdinalIgnoreCase)));
        }

        if (!_keys.Exists(static k => k.Field.Name == "id"))
        {
            _keys.Add((model.Field("id")!, false));
        }
    }

    public int Compare(Row? x, Row? y)
    {
        foreach (var (field, descending) in _keys)
        {
            var a = field.Name == "id" ? x!.Id : _db.ValueOf(_model, field, x!);
            var b = field.Name == "id" ? y!.Id : _db.ValueOf(_model, field, y!);
            int c;
            if (a is null || b is null)
            {
                // PostgreSQL: NULLS LAST ascending, NULLS FIRST descending.
                c = a is null && b is null ? 0 : a is null ? 1 : -1;
            }
            else
            {
                c = (a, b) switch
                {
                    (long l1, long l2) => l1.CompareTo(l2),
                    (double d1, double d2) => d1.CompareTo(d2),
                    (string s1, string s2) => string.CompareOrdinal(s1, s2),
                    (bool b1, bool b2) => b1.CompareTo(b2),
                    _ => 0,
                };
            }

            if (c != 0)
            {
                return descending ? -c : c;
            }
        }

        return 0;
    }
}

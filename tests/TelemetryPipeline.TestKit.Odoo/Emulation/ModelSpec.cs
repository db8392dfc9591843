using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>One stored record: field name → CLR value (string, long, double, bool, List&lt;long&gt;, JsonObject, or null for Odoo's false).</summary>
internal sealed class Row : Dictionary<string, object?>
{
    public Row()
        : base(StringComparer.Ordinal)
    {
    }

    public long Id => (long)this["id"]!;

    public Row Clone()
    {
        var copy = new Row();
        foreach (var (key, value) in this)
        {
            copy[key] = value switch
            {
                List<long> list => new List<long>(list),
                JsonNode node => node.DeepClone(),
                _ => value,
            };
        }

        return copy;
    }
}

/// <summary>A field as Odoo's <c>fields_get</c> reports it, plus how the emulator stores or computes it.</summary>
internal sealed record FieldSpec(string Name, string Type, string Label, bool Required = false, string? Relation = null)
{
    /// <summary>Computed at read time (ignored in create/write values, like Odoo's readonly related fields).</summary>
    public Func<EmulatedDatabase, Row, object?>? Compute { get; init; }

    /// <summary>Stored without a default: a missing value is a NOT NULL violation at insert.</summary>
    public bool NotNull { get; init; }

    public bool IsRelational => Relation is not null;

    public bool IsX2Many => Type is "one2many" or "many2many";
}

/// <summary>Group xml ids allowed an operation on a model (null: every internal user), with the labels Odoo lists.</summary>
internal sealed record AccessRule(string[] GroupXmlIds);

/// <summary>A model: its fields in Odoo's order, default order, display name and access rules.</summary>
internal sealed class ModelSpec
{
    private readonly List<FieldSpec> _fields = [];
    private readonly Dictionary<string, FieldSpec> _byName = new(StringComparer.Ordinal);

    public ModelSpec(string name, string description, string order = "id")
    {
        Name = name;
        Description = description;
        Order = order;
    }

    public string Name { get; }

    /// <summary>Odoo's <c>_description</c>, quoted in error messages ("'Analytic Line' (account.analytic.line)").</summary>
    public string Description { get; }

    public string Order { get; }

    public IReadOnlyList<FieldSpec> Fields => _fields;

    public Func<EmulatedDatabase, Row, string> DisplayName { get; init; } = static (_, row) => row.TryGetValue("name", out var name) && name is string text ? text : string.Empty;

    public AccessRule? Read { get; init; }

    public AccessRule? Create { get; init; }

    public AccessRule? Write { get; init; }

    public long NextId { get; set; } = 1;

    public SortedDictionary<long, Row> Rows { get; } = [];

    public bool HasField(string name) => _byName.ContainsKey(name);

    public FieldSpec? Field(string name) => _byName.GetValueOrDefault(name);

    public ModelSpec Add(FieldSpec field)
    {
        _fields.Add(field);
        _byName[field.Name] = field;
        return this;
    }

    public ModelSpec AddRange(IEnumerable<FieldSpec> fields)
    {
        foreach (var field in fields)
        {
            Add(field);
        }

        return this;
    }
}

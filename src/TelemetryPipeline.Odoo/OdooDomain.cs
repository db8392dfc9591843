using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>Builds Odoo domains (<c>[[field, operator, value], …]</c>, implicitly AND-ed) without string concatenation.</summary>
public static class OdooDomain
{
    /// <summary>The empty domain: every record.</summary>
    public static JsonArray All() => [];

    /// <summary>An AND of the given leaves.</summary>
    public static JsonArray Of(params JsonArray[] leaves)
    {
        var domain = new JsonArray();
        foreach (var leaf in leaves)
        {
            domain.Add(leaf);
        }

        return domain;
    }

    /// <summary>One leaf <c>[field, op, value]</c>.</summary>
    public static JsonArray Leaf(string field, string op, JsonNode? value) => [field, op, value];

    /// <summary><c>[field, "in", [values…]]</c>.</summary>
    public static JsonArray In(string field, IEnumerable<string> values)
    {
        var list = new JsonArray();
        foreach (var value in values)
        {
            list.Add(value);
        }

        return [field, "in", list];
    }

    /// <summary><c>[field, "in", [ids…]]</c>.</summary>
    public static JsonArray In(string field, IEnumerable<long> values)
    {
        var list = new JsonArray();
        foreach (var value in values)
        {
            list.Add(value);
        }

        return [field, "in", list];
    }
}

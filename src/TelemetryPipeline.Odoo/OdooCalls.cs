using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>Argument and result marshalling shared by both protocols.</summary>
internal static class OdooCalls
{
    /// <summary><c>{"allowed_company_ids": [company]}</c>: creates and searches then happen in that company.</summary>
    public static JsonObject CompanyContext(long companyId) =>
        companyId > 0 ? new JsonObject { ["allowed_company_ids"] = new JsonArray(companyId) } : [];

    public static JsonArray Strings(IReadOnlyList<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    public static JsonArray Longs(IReadOnlyList<long> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    public static JsonArray Clone(IReadOnlyList<JsonObject> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value.DeepClone());
        }

        return array;
    }

    public static void CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_'))
            {
                throw new ArgumentException($"'{name}' is not an Odoo model or method name.", parameter);
            }
        }
    }

    public static IReadOnlyList<JsonObject> Records(JsonNode? result, string operation)
    {
        if (result is not JsonArray array)
        {
            throw Unexpected(operation, "a list of records", result);
        }

        var records = new List<JsonObject>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject record)
            {
                throw Unexpected(operation, "a list of records", result);
            }

            records.Add(record);
        }

        return records;
    }

    public static long Long(JsonNode? result, string operation)
    {
        if (result is JsonValue value && value.TryGetValue<long>(out var number))
        {
            return number;
        }

        throw Unexpected(operation, "an integer", result);
    }

    /// <summary>create's result: a list of ids (JSON-2 always; JSON-RPC for a list input) or one id (JSON-RPC, one dict).</summary>
    public static IReadOnlyList<long> Ids(JsonNode? result, int expected, string operation)
    {
        var ids = new List<long>(expected);
        if (result is JsonArray array)
        {
            foreach (var item in array)
            {
                ids.Add(Long(item, operation));
            }
        }
        else
        {
            ids.Add(Long(result, operation));
        }

        if (ids.Count != expected)
        {
            throw new OdooException(OdooErrorKind.Server, $"expected {expected} ids, got {ids.Count}", false, operation: operation);
        }

        return ids;
    }

    /// <summary>The id of a many2one value (<c>[id, "name"]</c>, a bare id, or <c>false</c> → null).</summary>
    public static long? Many2OneId(JsonNode? value) => value switch
    {
        JsonArray { Count: > 0 } pair when pair[0] is JsonValue id && id.TryGetValue<long>(out var n) => n,
        JsonValue bare when bare.TryGetValue<long>(out var n) => n,
        _ => null,
    };

    /// <summary>A char field: the string, or null for Odoo's <c>false</c>.</summary>
    public static string? Text(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A numeric field as decimal (Odoo floats), 0 when false.</summary>
    public static decimal Number(JsonNode? value) => TryDecimal(value, out var number) ? number : 0m;

    /// <summary>Any JSON number as decimal, whether parsed from a response or built in code.</summary>
    public static bool TryDecimal(JsonNode? node, out decimal value)
    {
        value = 0m;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static OdooException Unexpected(string operation, string expected, JsonNode? result)
    {
        var kind = result switch
        {
            null => "null",
            JsonArray => "array",
            JsonObject => "object",
            _ => result.GetValueKind().ToString(),
        };
        return new OdooException(OdooErrorKind.Server, $"expected {expected}, got {kind}", false, operation: operation);
    }
}

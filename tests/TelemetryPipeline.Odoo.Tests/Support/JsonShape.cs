using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo.Tests.Support;

/// <summary>Deep JSON comparison for fixture replay: exact, except <c>debug</c> (a traceback) only has to be a string.</summary>
internal static class JsonShape
{
    public static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected)
        {
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    differences.Add($"{path}: expected an object, got {Kind(actual)}");
                    return;
                }

                foreach (var (key, value) in expectedObject)
                {
                    if (!actualObject.ContainsKey(key))
                    {
                        differences.Add($"{path}.{key}: missing");
                    }
                    else if (key == "debug")
                    {
                        if (actualObject[key] is not JsonValue debug || debug.GetValueKind() != JsonValueKind.String)
                        {
                            differences.Add($"{path}.debug: expected a traceback string");
                        }
                    }
                    else
                    {
                        Compare(value, actualObject[key], $"{path}.{key}", differences);
                    }
                }

                foreach (var (key, _) in actualObject)
                {
                    if (!expectedObject.ContainsKey(key))
                    {
                        differences.Add($"{path}.{key}: not in the recording");
                    }
                }

                break;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray)
                {
                    differences.Add($"{path}: expected an array, got {Kind(actual)}");
                    return;
                }

                if (expectedArray.Count != actualArray.Count)
                {
                    differences.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: expected {expectedArray.Count} items, got {actualArray.Count}: {actualArray.ToJsonString()}"));
                    return;
                }

                for (var i = 0; i < expectedArray.Count; i++)
                {
                    Compare(expectedArray[i], actualArray[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), differences);
                }

                break;
            case null:
                if (actual is not null)
                {
                    differences.Add($"{path}: expected null, got {actual.ToJsonString()}");
                }

                break;
            default:
                var e = expected.AsValue();
                if (actual is not JsonValue a || a.GetValueKind() != e.GetValueKind())
                {
                    differences.Add($"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}");
                    return;
                }

                var equal = e.GetValueKind() == JsonValueKind.Number
                    ? e.GetValue<decimal>() == a.GetValue<decimal>()
                    : e.ToJsonString() == a.ToJsonString() || (e.GetValueKind() == JsonValueKind.String && e.GetValue<string>() == a.GetValue<string>());
                if (!equal)
                {
                    differences.Add($"{path}: expected {expected.ToJsonString()}, got {actual.ToJsonString()}");
                }

                break;
        }
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => node.GetValueKind().ToString(),
    };
}

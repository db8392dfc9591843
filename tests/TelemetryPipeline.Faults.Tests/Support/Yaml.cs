using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>YAML files as plain maps, lists and strings (anchors and merge keys resolved), with small navigation helpers.</summary>
internal static class Yaml
{
    private static readonly IDeserializer s_deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a file (a parse error throws with line and column).</summary>
    public static IReadOnlyList<object?> LoadAll(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var parser = new MergingParser(new Parser(reader));
        var documents = new List<object?>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(s_deserializer.Deserialize(parser));
        }

        return documents;
    }

    public static Dictionary<object, object?> Load(string path) => Map(LoadAll(path).Single(), path);

    public static Dictionary<object, object?> Map(object? node, string what) =>
        node as Dictionary<object, object?> ?? throw new InvalidDataException($"{what}: expected a mapping, got {Describe(node)}.");

    public static List<object?> List(object? node, string what) =>
        node as List<object?> ?? throw new InvalidDataException($"{what}: expected a sequence, got {Describe(node)}.");

    /// <summary>The node at a dotted path (<c>spec.template.spec</c>); list items by index (<c>containers.0</c>); null when absent.</summary>
    public static object? At(object? node, string path)
    {
        foreach (string part in path.Split('.'))
        {
            node = node switch
            {
                Dictionary<object, object?> map => map.TryGetValue(part, out object? next) ? next : null,
                List<object?> list when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < list.Count => list[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public static string? Text(object? node, string path) => At(node, path) as string;

    /// <summary>A compose-style environment (mapping or KEY=VALUE list) as a dictionary.</summary>
    public static Dictionary<string, string> Environment(object? node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case Dictionary<object, object?> map:
                foreach ((object key, object? value) in map)
                {
                    result[(string)key] = value as string ?? string.Empty;
                }

                break;
            case List<object?> list:
                foreach (string line in list.OfType<string>())
                {
                    int eq = line.IndexOf('=', StringComparison.Ordinal);
                    result[eq < 0 ? line : line[..eq]] = eq < 0 ? string.Empty : line[(eq + 1)..];
                }

                break;
        }

        return result;
    }

    private static string Describe(object? node) => node?.GetType().Name ?? "nothing";
}

using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Schemas;

/// <summary>
/// The project's Avro schemas (<c>schemas/*.avsc</c>, embedded in this assembly), by resource name without extension:
/// <c>EquipmentUsage</c> is the current version of a record, <c>EquipmentUsage.v1</c> an older one still accepted.
/// </summary>
public static class TelemetrySchemas
{
    public const string Namespace = "telemetry.equipment";
    public const string EquipmentUsage = "EquipmentUsage";
    public const string EquipmentUsageV1 = "EquipmentUsage.v1";
    public const string EquipmentIdle = "EquipmentIdle";
    public const string FuelEvent = "FuelEvent";
    public const string EquipmentAssignment = "EquipmentAssignment";
    public const string EquipmentRate = "EquipmentRate";
    public const string EquipmentAlias = "EquipmentAlias";

    private const string ResourcePrefix = "schemas/";
    private const string ResourceSuffix = ".avsc";
    private static readonly Lazy<IReadOnlyDictionary<string, RecordSchema>> s_all = new(LoadAll);

    /// <summary>Every embedded schema by resource name without extension.</summary>
    public static IReadOnlyDictionary<string, RecordSchema> All => s_all.Value;

    /// <summary>The schema named <paramref name="name"/> (e.g. <c>EquipmentUsage.v1</c>); throws <see cref="ArgumentException"/> naming the known ones otherwise.</summary>
    public static RecordSchema Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.TryGetValue(name, out var schema)
            ? schema
            : throw new ArgumentException($"No schema named '{name}'; known: {string.Join(", ", All.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
    }

    /// <summary>The JSON text of an embedded schema, exactly as in the repository.</summary>
    public static string GetJson(string name)
    {
        using var stream = typeof(TelemetrySchemas).Assembly.GetManifestResourceStream(ResourcePrefix + name + ResourceSuffix)
            ?? throw new ArgumentException($"No schema resource named '{name}'.", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Whether the resource name is a record's current version (no <c>.vN</c> suffix).</summary>
    public static bool IsCurrentVersion(string name) => !name.Contains('.', StringComparison.Ordinal);

    private static Dictionary<string, RecordSchema> LoadAll()
    {
        var assembly = typeof(TelemetrySchemas).Assembly;
        var result = new Dictionary<string, RecordSchema>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..^ResourceSuffix.Length];

            // One parser per file: every file defines its own copy of shared types such as EquipmentRef.
            result[name] = AvroSchema.Parse(GetJson(name)) as RecordSchema
                ?? throw new InvalidDataException($"Schema resource {resource} is not a record schema.");
        }

        return result;
    }
}

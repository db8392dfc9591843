namespace TelemetryPipeline.Schemas;

public sealed partial class TelemetryCodec
{
    /// <summary>Compiles the resolved EquipmentUsage fast path once per writer schema (current and older versions).</summary>
    private void InitializeFastPaths()
    {
        foreach (var entry in _byName.Values)
        {
            if (entry.Reader.Name == TelemetrySchemas.EquipmentUsage)
            {
                entry.UsageFastPath = EquipmentUsageDecoder.TryCompile(entry.Plan);
            }
        }
    }

    /// <summary>Whether EquipmentUsage payloads of <paramref name="schemaName"/> decode through the resolved fast path.</summary>
    public bool HasUsageFastPath(string schemaName) => _byName.TryGetValue(schemaName, out var entry) && entry.UsageFastPath is not null;
}

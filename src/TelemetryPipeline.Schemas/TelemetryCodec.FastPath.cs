namespace TelemetryPipeline.Schemas;

public sealed partial class TelemetryCodec
{
    private void InitializeFastPaths()
    {
        // Step 6: resolved EquipmentUsage fast path. Until then every record goes through the generic path.
    }
}

internal sealed class EquipmentUsageDecoder
{
    public bool TryDecode(ReadOnlySpan<byte> payload, int offset, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Domain.EquipmentUsage? usage, out string error, out long errorOffset)
    {
        usage = null;
        error = "fast path not implemented";
        errorOffset = offset;
        return payload.Length < 0;
    }
}

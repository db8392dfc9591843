using System.Text;

namespace TelemetryPipeline.Domain;

/// <summary>
/// The 64-bit dedupe fingerprint of (record type, source, eventId): FNV-1a over the UTF-8 bytes.
/// Its collision domain is one dedupe set (one shard, one hour, one of Redis:DedupeSetsPerHour): at 100,000 ids per
/// hour and shard the chance of any collision in a year is ~10^-6, so 64 bits are plenty.
/// </summary>
public static class DedupeId
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Compute(RecordType type, string source, string eventId)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(eventId);
        ulong hash = OffsetBasis;
        hash = Mix(hash, (byte)type);
        hash = Mix(hash, 0);
        hash = MixString(hash, source);
        hash = Mix(hash, 0);
        return MixString(hash, eventId);
    }

    private static ulong MixString(ulong hash, string value)
    {
        Span<byte> buffer = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = max > buffer.Length ? new byte[max] : null;
        Span<byte> bytes = rented ?? buffer;
        int n = Encoding.UTF8.GetBytes(value, bytes);
        foreach (byte b in bytes[..n])
        {
            hash = Mix(hash, b);
        }

        return hash;
    }

    private static ulong Mix(ulong hash, byte b) => (hash ^ b) * Prime;
}

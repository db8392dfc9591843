using System.Buffers;
using System.Text;

namespace TelemetryPipeline.Avro.Schema;

/// <summary>CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro specification defines for schema fingerprints.</summary>
public static class AvroFingerprint
{
    /// <summary>The fingerprint of the empty input, also the polynomial seed.</summary>
    public const ulong Empty = 0xc15d213aa4d7a795UL;

    private static readonly ulong[] s_table = BuildTable();

    /// <summary>Fingerprint of raw bytes (normally the UTF-8 of a Parsing Canonical Form).</summary>
    public static ulong Compute(ReadOnlySpan<byte> data)
    {
        var fp = Empty;
        var table = s_table;
        foreach (var b in data)
        {
            fp = (fp >> 8) ^ table[(int)(fp ^ b) & 0xff];
        }

        return fp;
    }

    /// <summary>Fingerprint of the UTF-8 encoding of <paramref name="canonicalForm"/>.</summary>
    public static ulong Compute(string canonicalForm)
    {
        ArgumentNullException.ThrowIfNull(canonicalForm);
        var length = Encoding.UTF8.GetByteCount(canonicalForm);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(canonicalForm, rented);
            return Compute(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[256];
        for (var i = 0; i < 256; i++)
        {
            var fp = (ulong)i;
            for (var j = 0; j < 8; j++)
            {
                fp = (fp >> 1) ^ (Empty & (0UL - (fp & 1UL)));
            }

            table[i] = fp;
        }

        return table;
    }
}

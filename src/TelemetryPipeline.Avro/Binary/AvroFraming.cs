using System.Buffers;
using System.Buffers.Binary;

namespace TelemetryPipeline.Avro.Binary;

/// <summary>How an Avro payload is framed.</summary>
public enum AvroFrameKind : byte
{
    /// <summary>Not recognised: neither single-object nor Confluent framing.</summary>
    Unknown,

    /// <summary>Avro single-object encoding: <c>C3 01</c> + 8-byte little-endian CRC-64-AVRO fingerprint + datum.</summary>
    SingleObject,

    /// <summary>Confluent wire format: <c>00</c> + 4-byte big-endian schema id + datum.</summary>
    Confluent,
}

/// <summary>The header of a framed payload and where its datum starts.</summary>
public readonly record struct AvroFrame(AvroFrameKind Kind, ulong Fingerprint, int SchemaId, int DatumOffset);

/// <summary>Avro single-object encoding and the Confluent wire format.</summary>
public static class AvroFraming
{
    public const byte SingleObjectMarker0 = 0xC3;
    public const byte SingleObjectMarker1 = 0x01;
    public const int SingleObjectHeaderLength = 10;
    public const byte ConfluentMagic = 0x00;
    public const int ConfluentHeaderLength = 5;

    /// <summary>
    /// Recognises the framing of <paramref name="payload"/>. Returns false with a reason when the payload is too short for
    /// its header or starts with neither marker.
    /// </summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> payload, out AvroFrame frame, out string? error)
    {
        frame = default;
        if (payload.Length >= 2 && payload[0] == SingleObjectMarker0 && payload[1] == SingleObjectMarker1)
        {
            if (payload.Length < SingleObjectHeaderLength)
            {
                error = $"single-object header needs {SingleObjectHeaderLength} bytes (C3 01 + 8-byte fingerprint), the payload has {payload.Length}";
                return false;
            }

            frame = new AvroFrame(AvroFrameKind.SingleObject, BinaryPrimitives.ReadUInt64LittleEndian(payload[2..]), -1, SingleObjectHeaderLength);
            error = null;
            return true;
        }

        if (payload.Length >= 1 && payload[0] == ConfluentMagic)
        {
            if (payload.Length < ConfluentHeaderLength)
            {
                error = $"Confluent header needs {ConfluentHeaderLength} bytes (00 + 4-byte schema id), the payload has {payload.Length}";
                return false;
            }

            frame = new AvroFrame(AvroFrameKind.Confluent, 0, BinaryPrimitives.ReadInt32BigEndian(payload[1..]), ConfluentHeaderLength);
            error = null;
            return true;
        }

        error = payload.IsEmpty
            ? "the payload is empty"
            : payload.Length >= 2
                ? $"the payload starts with 0x{payload[0]:X2} 0x{payload[1]:X2}, which is neither Avro single-object encoding (C3 01) nor the Confluent wire format (00)"
                : $"the payload starts with 0x{payload[0]:X2}, which is neither Avro single-object encoding (C3 01) nor the Confluent wire format (00)";
        return false;
    }

    public static void WriteSingleObjectHeader(IBufferWriter<byte> output, ulong fingerprint)
    {
        var span = output.GetSpan(SingleObjectHeaderLength);
        span[0] = SingleObjectMarker0;
        span[1] = SingleObjectMarker1;
        BinaryPrimitives.WriteUInt64LittleEndian(span[2..], fingerprint);
        output.Advance(SingleObjectHeaderLength);
    }

    public static void WriteConfluentHeader(IBufferWriter<byte> output, int schemaId)
    {
        var span = output.GetSpan(ConfluentHeaderLength);
        span[0] = ConfluentMagic;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], schemaId);
        output.Advance(ConfluentHeaderLength);
    }
}

using System.Buffers.Binary;
using System.Text;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;

namespace TelemetryPipeline.Ingest.Tests.Generator;

/// <summary>
/// Frames a stable text rendering of the record like the real encodings (single-object header with a
/// per-type fingerprint, Confluent magic + id), so scenario tests need no Avro codec. Stateless, so thread-safe.
/// </summary>
internal sealed class FakeTelemetryEncoder : ITelemetryEncoder
{
    public byte[] EncodeSingleObject(object record) => SingleObject(Fingerprint(record.GetType().Name), record);

    public byte[] EncodeConfluent(int schemaId, object record) => Confluent(schemaId, record);

    public byte[] EncodeUsageV1SingleObject(EquipmentUsage usage) => SingleObject(Fingerprint("EquipmentUsage.v1"), usage);

    public byte[] EncodeUsageV1Confluent(int schemaId, EquipmentUsage usage) => Confluent(schemaId, usage);

    private byte[] SingleObject(ulong fingerprint, object record)
    {
        byte[] body = Encoding.UTF8.GetBytes(record.ToString()!);
        var bytes = new byte[10 + body.Length];
        bytes[0] = 0xC3;
        bytes[1] = 0x01;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(2), fingerprint);
        body.CopyTo(bytes, 10);
        return bytes;
    }

    private byte[] Confluent(int schemaId, object record)
    {
        byte[] body = Encoding.UTF8.GetBytes(record.ToString()!);
        var bytes = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), schemaId);
        body.CopyTo(bytes, 5);
        return bytes;
    }

    private static ulong Fingerprint(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}

using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>Generic datums in single-object encoding and the Confluent wire format.</summary>
public static class AvroSingleObject
{
    /// <summary><c>C3 01</c> + the schema's fingerprint + the datum's binary encoding.</summary>
    public static byte[] Encode(object? datum, AvroSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var buffer = new PooledBufferWriter();
        AvroFraming.WriteSingleObjectHeader(buffer, schema.Fingerprint);
        new GenericDatumWriter(schema).Write(datum, buffer);
        return buffer.ToArray();
    }

    /// <summary><c>00</c> + the big-endian schema id + the datum's binary encoding.</summary>
    public static byte[] EncodeConfluent(object? datum, AvroSchema schema, int schemaId)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var buffer = new PooledBufferWriter();
        AvroFraming.WriteConfluentHeader(buffer, schemaId);
        new GenericDatumWriter(schema).Write(datum, buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Decodes a single-object payload: the writer schema is looked up by fingerprint with <paramref name="findWriter"/>
    /// and resolved against <paramref name="readerSchema"/> (the writer schema when null). Throws <see cref="AvroException"/>
    /// for a bad header, an unknown fingerprint or bad data.
    /// </summary>
    public static object? Decode(ReadOnlySpan<byte> payload, Func<ulong, AvroSchema?> findWriter, AvroSchema? readerSchema = null, AvroReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(findWriter);
        if (!AvroFraming.TryReadFrame(payload, out var frame, out var error) || frame.Kind != AvroFrameKind.SingleObject)
        {
            throw new AvroException(error ?? "Not Avro single-object encoding (C3 01)", 0);
        }

        var writer = findWriter(frame.Fingerprint) ?? throw new AvroException($"No known schema has fingerprint 0x{frame.Fingerprint:X16}", 2);
        var reader = new GenericDatumReader(writer, readerSchema ?? writer, options);
        var avro = new AvroReader(payload, frame.DatumOffset);
        var value = reader.Read(ref avro);
        if (!avro.End)
        {
            throw new AvroException($"{avro.Remaining} unexpected bytes after the datum", avro.Position);
        }

        return value;
    }
}

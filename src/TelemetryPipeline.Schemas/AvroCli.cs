using System.Globalization;
using System.Text;
using TelemetryPipeline.Avro;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Container;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Schemas;

/// <summary>
/// The work behind the host's <c>avro</c> verb: decode, encode, fingerprint and check. Each method returns a process
/// exit code (<see cref="Ok"/>, <see cref="DataError"/>, <see cref="UsageError"/>) and writes results and errors as
/// text. JSON follows Avro's JSON encoding (unions as <c>{"branch": value}</c>, bytes as code points 0–255, logical
/// types as their underlying values). Wherever a schema path is expected, the name of a project schema
/// (e.g. <c>EquipmentUsage.v1</c>) also works.
/// </summary>
public static class AvroCli
{
    /// <summary>Success (for <see cref="Check"/>: fully compatible).</summary>
    public const int Ok = 0;

    /// <summary>The data or schemas are bad or incompatible; the message says where.</summary>
    public const int DataError = 1;

    /// <summary>A file is missing or unreadable, or an argument is invalid.</summary>
    public const int UsageError = 2;

    /// <summary>
    /// Decodes an object container file, or a file of one or more single-object or Confluent-framed messages (schemas
    /// found among the project schemas by fingerprint or through <paramref name="confluentSchemaIds"/>), to one JSON line per datum.
    /// </summary>
    public static int Decode(string inputPath, TextWriter output) => Decode(inputPath, output, null);

    /// <inheritdoc cref="Decode(string, TextWriter)"/>
    public static int Decode(string inputPath, TextWriter output, IReadOnlyDictionary<int, string>? confluentSchemaIds)
    {
        ArgumentNullException.ThrowIfNull(output);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(inputPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            output.WriteLine($"error: cannot read {inputPath}: {ex.Message}");
            return UsageError;
        }

        if (AvroContainerReader.HasMagic(data))
        {
            return DecodeContainer(inputPath, data, output);
        }

        return DecodeFramed(inputPath, data, output, confluentSchemaIds ?? new Dictionary<int, string>());
    }

    /// <summary>Encodes JSON lines (one datum of the schema per line) into an object container file (deflate); errors go to standard error.</summary>
    public static int Encode(string schemaPath, TextReader jsonLines, string outputPath) =>
        Encode(schemaPath, jsonLines, outputPath, Console.Error, AvroCodec.Deflate);

    /// <summary>
    /// Encodes JSON lines into an object container file. Nothing is left at <paramref name="outputPath"/> when a line
    /// fails; the message names the line and field.
    /// </summary>
    public static int Encode(string schemaPath, TextReader jsonLines, string outputPath, TextWriter messages, AvroCodec codec = AvroCodec.Deflate)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        ArgumentNullException.ThrowIfNull(messages);
        if (!TryLoadSchema(schemaPath, messages, out var schema))
        {
            return UsageError;
        }

        var temp = outputPath + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        var count = 0;
        try
        {
            using (var writer = new AvroContainerWriter(File.Create(temp), schema, codec))
            {
                var lineNumber = 0;
                while (jsonLines.ReadLine() is { } line)
                {
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    try
                    {
                        writer.Append(AvroJsonDatum.FromJson(line, schema));
                        count++;
                    }
                    catch (AvroException ex)
                    {
                        messages.WriteLine($"error: line {lineNumber.ToString(CultureInfo.InvariantCulture)}: {ex.Message}");
                        return DataError;
                    }
                }
            }

            File.Move(temp, outputPath, overwrite: true);
            messages.WriteLine($"wrote {count.ToString(CultureInfo.InvariantCulture)} records to {outputPath} ({AvroContainerCodecName(codec)})");
            return Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            messages.WriteLine($"error: cannot write {outputPath}: {ex.Message}");
            return UsageError;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes the schema's Parsing Canonical Form and its CRC-64-AVRO fingerprint (hex, unsigned and signed decimal, single-object header).</summary>
    public static int Fingerprint(string schemaPath, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!TryLoadSchema(schemaPath, output, out var schema))
        {
            return UsageError;
        }

        var fp = schema.Fingerprint;
        Span<byte> header = stackalloc byte[AvroFraming.SingleObjectHeaderLength];
        header[0] = AvroFraming.SingleObjectMarker0;
        header[1] = AvroFraming.SingleObjectMarker1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header[2..], fp);
        output.WriteLine($"canonical form: {schema.CanonicalForm}");
        output.WriteLine($"fingerprint (CRC-64-AVRO): 0x{fp:X16}");
        output.WriteLine($"fingerprint (unsigned decimal): {fp.ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine($"fingerprint (signed decimal, as Java prints it): {unchecked((long)fp).ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine($"single-object header: {Convert.ToHexString(header)}");
        return Ok;
    }

    /// <summary>
    /// Reports whether data written with the writer schema can be read with the reader schema: every incompatibility
    /// (naming the field) and every data-dependent risk. Exit code <see cref="Ok"/> only when fully compatible.
    /// </summary>
    public static int Check(string writerSchemaPath, string readerSchemaPath, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!TryLoadSchema(writerSchemaPath, output, out var writer) || !TryLoadSchema(readerSchemaPath, output, out var reader))
        {
            return UsageError;
        }

        var result = SchemaResolver.Check(writer, reader);
        output.WriteLine($"writer: {writer.DisplayName} (0x{writer.Fingerprint:X16})");
        output.WriteLine($"reader: {reader.DisplayName} (0x{reader.Fingerprint:X16})");
        foreach (var error in result.Errors)
        {
            output.WriteLine($"incompatible: {error}");
        }

        foreach (var warning in result.Warnings)
        {
            output.WriteLine($"risk: {warning}");
        }

        if (result.IsCompatible)
        {
            output.WriteLine("compatible: every datum of the writer schema can be read with the reader schema");
            return Ok;
        }

        output.WriteLine(result.CanResolve
            ? "partly compatible: data resolves except the cases listed as risk"
            : "incompatible: data written with the writer schema cannot be read with the reader schema");
        return DataError;
    }

    private static int DecodeContainer(string path, byte[] data, TextWriter output)
    {
        var count = 0;
        try
        {
            using var reader = AvroContainerReader.Open(new MemoryStream(data, writable: false));
            foreach (var datum in reader.ReadAll())
            {
                output.WriteLine(AvroJsonDatum.ToJson(datum, reader.WriterSchema));
                count++;
            }

            return Ok;
        }
        catch (AvroException ex)
        {
            output.WriteLine($"error: {path}: container file does not decode after {count.ToString(CultureInfo.InvariantCulture)} records: {ex.Message}");
            return DataError;
        }
    }

    private static int DecodeFramed(string path, byte[] data, TextWriter output, IReadOnlyDictionary<int, string> confluentSchemaIds)
    {
        var byFingerprint = new Dictionary<ulong, RecordSchema>();
        foreach (var schema in TelemetrySchemas.All.Values)
        {
            byFingerprint[schema.Fingerprint] = schema;
        }

        var offset = 0;
        var count = 0;
        while (offset < data.Length)
        {
            var payload = data.AsSpan(offset);
            if (!AvroFraming.TryReadFrame(payload, out var frame, out var frameError))
            {
                output.WriteLine(count == 0
                    ? $"error: {path} is not an Avro container file (no 'Obj' 0x01 magic) and not a framed message: {frameError} (byte offset {offset})"
                    : $"error: {path}: message {count + 1} at byte offset {offset}: {frameError}");
                return DataError;
            }

            AvroSchema? writer;
            if (frame.Kind == AvroFrameKind.SingleObject)
            {
                if (!byFingerprint.TryGetValue(frame.Fingerprint, out var found))
                {
                    output.WriteLine($"error: {path}: message at byte offset {offset} has fingerprint 0x{frame.Fingerprint:X16}, which is none of the project schemas ({string.Join(", ", TelemetrySchemas.All.Keys.Order(StringComparer.Ordinal))})");
                    return DataError;
                }

                writer = found;
            }
            else if (confluentSchemaIds.TryGetValue(frame.SchemaId, out var name) && TelemetrySchemas.All.TryGetValue(name, out var mapped))
            {
                writer = mapped;
            }
            else
            {
                output.WriteLine($"error: {path}: message at byte offset {offset} is Confluent-framed with schema id {frame.SchemaId}, which is not mapped to a project schema");
                return DataError;
            }

            try
            {
                var reader = new AvroReader(payload, frame.DatumOffset);
                var datum = new GenericDatumReader(writer).Read(ref reader);
                output.WriteLine(AvroJsonDatum.ToJson(datum, writer));
                offset += reader.Position;
                count++;
            }
            catch (AvroException ex)
            {
                output.WriteLine($"error: {path}: message at byte offset {offset} ({writer.DisplayName}) does not decode: {ex.Reason.TrimEnd('.')}{(ex.FieldPath is null ? string.Empty : $" (field '{ex.FieldPath}')")}{(ex.Offset >= 0 ? $" at file byte offset {offset + ex.Offset}" : string.Empty)}");
                return DataError;
            }
        }

        if (count == 0)
        {
            output.WriteLine($"error: {path} is empty");
            return DataError;
        }

        return Ok;
    }

    private static bool TryLoadSchema(string pathOrName, TextWriter messages, out AvroSchema schema)
    {
        schema = AvroSchema.Null;
        string json;
        if (File.Exists(pathOrName))
        {
            try
            {
                json = File.ReadAllText(pathOrName, Encoding.UTF8);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                messages.WriteLine($"error: cannot read schema {pathOrName}: {ex.Message}");
                return false;
            }
        }
        else if (TelemetrySchemas.All.TryGetValue(pathOrName, out var embedded))
        {
            schema = embedded;
            return true;
        }
        else
        {
            messages.WriteLine($"error: schema {pathOrName} is neither a file nor a project schema ({string.Join(", ", TelemetrySchemas.All.Keys.Order(StringComparer.Ordinal))})");
            return false;
        }

        try
        {
            schema = AvroSchema.Parse(json);
            return true;
        }
        catch (AvroException ex)
        {
            messages.WriteLine($"error: {pathOrName} is not a valid Avro schema: {ex.Message}");
            return false;
        }
    }

    private static string AvroContainerCodecName(AvroCodec codec) => codec == AvroCodec.Deflate ? "deflate" : "null";
}

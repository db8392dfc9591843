using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Json;

/// <summary>
/// Avro's JSON encoding of datums (specification, "JSON Encoding"): bytes and fixed as strings of code points
/// 0–255, unions as <c>null</c> or <c>{"branch": value}</c>, logical types as their underlying values. Reading also
/// accepts untagged union values (the first branch the JSON fits) and field defaults (untagged, first branch first).
/// </summary>
public static class AvroJsonDatum
{
    private const int MaxDepth = 256;

    /// <summary>Converts a field default value; throws <see cref="AvroException"/> when it does not fit the schema.</summary>
    public static object? FromDefault(JsonElement json, AvroSchema schema, bool convertLogicalTypes = true) =>
        Convert(json, schema, tagged: false, convertLogicalTypes, 0);

    /// <summary>Converts a value in Avro's JSON encoding (tagged unions; untagged union values are inferred).</summary>
    public static object? FromJson(JsonElement json, AvroSchema schema, bool convertLogicalTypes = true) =>
        Convert(json, schema, tagged: true, convertLogicalTypes, 0);

    /// <summary>Parses one JSON text as a datum of <paramref name="schema"/>.</summary>
    public static object? FromJson(string json, AvroSchema schema, bool convertLogicalTypes = true)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromJson(document.RootElement, schema, convertLogicalTypes);
        }
        catch (JsonException ex)
        {
            throw new AvroException($"Not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Writes <paramref name="datum"/> in Avro's JSON encoding.</summary>
    public static void Write(Utf8JsonWriter writer, object? datum, AvroSchema schema)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schema);
        WriteValue(writer, datum, schema, 0);
    }

    /// <summary><paramref name="datum"/> in Avro's JSON encoding, as compact text.</summary>
    public static string ToJson(object? datum, AvroSchema schema)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, datum, schema);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static object? Convert(JsonElement json, AvroSchema schema, bool tagged, bool convertLogical, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AvroException($"JSON value nests deeper than {MaxDepth} levels");
        }

        object? raw;
        switch (schema.Type)
        {
            case AvroType.Null:
                Expect(json.ValueKind == JsonValueKind.Null, json, schema);
                return null;
            case AvroType.Boolean:
                Expect(json.ValueKind is JsonValueKind.True or JsonValueKind.False, json, schema);
                return json.GetBoolean();
            case AvroType.Int:
                Expect(json.ValueKind == JsonValueKind.Number && json.TryGetInt32(out _), json, schema);
                raw = json.GetInt32();
                break;
            case AvroType.Long:
                Expect(json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out _), json, schema);
                raw = json.GetInt64();
                break;
            case AvroType.Float:
                return (float)ReadDouble(json, schema);
            case AvroType.Double:
                return ReadDouble(json, schema);
            case AvroType.Bytes:
                if (schema.LogicalType is { Kind: LogicalTypeKind.Decimal } && json.ValueKind == JsonValueKind.Number)
                {
                    var number = json.GetDecimal();
                    return convertLogical ? number : LogicalValues.ToUnderlying(schema, number);
                }

                Expect(json.ValueKind == JsonValueKind.String, json, schema);
                raw = CodePointsToBytes(json.GetString()!, schema);
                break;
            case AvroType.String:
                Expect(json.ValueKind == JsonValueKind.String, json, schema);
                raw = json.GetString();
                break;
            case AvroType.Fixed:
                var fixedSchema = (FixedSchema)schema;
                if (schema.LogicalType is { Kind: LogicalTypeKind.Decimal } && json.ValueKind == JsonValueKind.Number)
                {
                    var number = json.GetDecimal();
                    return convertLogical ? number : LogicalValues.ToUnderlying(schema, number);
                }

                Expect(json.ValueKind == JsonValueKind.String, json, schema);
                var bytes = CodePointsToBytes(json.GetString()!, schema);
                if (bytes.Length != fixedSchema.Size)
                {
                    throw new AvroException($"Fixed {fixedSchema.FullName} needs {fixedSchema.Size} bytes, the JSON string has {bytes.Length}");
                }

                raw = new GenericFixed(fixedSchema, bytes);
                break;
            case AvroType.Enum:
                var enumSchema = (EnumSchema)schema;
                Expect(json.ValueKind == JsonValueKind.String, json, schema);
                var symbol = json.GetString()!;
                if (enumSchema.IndexOf(symbol) < 0)
                {
                    throw new AvroException($"'{symbol}' is not a symbol of enum {enumSchema.FullName}");
                }

                return new GenericEnum(enumSchema, symbol);
            case AvroType.Array:
                Expect(json.ValueKind == JsonValueKind.Array, json, schema);
                var items = ((ArraySchema)schema).Items;
                var list = new List<object?>(json.GetArrayLength());
                foreach (var item in json.EnumerateArray())
                {
                    list.Add(Convert(item, items, tagged, convertLogical, depth + 1));
                }

                return list;
            case AvroType.Map:
                Expect(json.ValueKind == JsonValueKind.Object, json, schema);
                var values = ((MapSchema)schema).Values;
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in json.EnumerateObject())
                {
                    map[property.Name] = Convert(property.Value, values, tagged, convertLogical, depth + 1);
                }

                return map;
            case AvroType.Record:
                Expect(json.ValueKind == JsonValueKind.Object, json, schema);
                var recordSchema = (RecordSchema)schema;
                var record = new GenericRecord(recordSchema);
                foreach (var field in recordSchema.Fields)
                {
                    try
                    {
                        if (json.TryGetProperty(field.Name, out var fieldJson))
                        {
                            record[field.Position] = Convert(fieldJson, field.Schema, tagged, convertLogical, depth + 1);
                        }
                        else if (field.DefaultJson is { } fieldDefault)
                        {
                            record[field.Position] = Convert(fieldDefault, field.Schema, tagged: false, convertLogical, depth + 1);
                        }
                        else
                        {
                            throw new AvroException($"Record {recordSchema.FullName} needs field '{field.Name}', which has no default");
                        }
                    }
                    catch (AvroException ex)
                    {
                        throw ex.WithOuterField(field.Name);
                    }
                }

                return record;
            case AvroType.Union:
                return ConvertUnion(json, (UnionSchema)schema, tagged, convertLogical, depth);
            default:
                throw new AvroException($"Unsupported schema type {schema.Type}");
        }

        return convertLogical ? LogicalValues.FromUnderlying(schema, raw) : raw;
    }

    private static object? ConvertUnion(JsonElement json, UnionSchema union, bool tagged, bool convertLogical, int depth)
    {
        if (tagged)
        {
            if (json.ValueKind == JsonValueKind.Null && union.NullIndex >= 0)
            {
                return null;
            }

            if (json.ValueKind == JsonValueKind.Object)
            {
                using var properties = json.EnumerateObject();
                if (properties.MoveNext())
                {
                    var only = properties.Current;
                    if (!properties.MoveNext())
                    {
                        foreach (var branch in union.Branches)
                        {
                            if (SchemaNames.BranchKey(branch) == only.Name || (branch is NamedSchema named && named.Name == only.Name))
                            {
                                return Convert(only.Value, branch, tagged, convertLogical, depth + 1);
                            }
                        }
                    }
                }
            }
        }

        // Untagged: a default (first branch per the specification, other branches tolerated) or an inferred value.
        AvroException? first = null;
        foreach (var branch in union.Branches)
        {
            try
            {
                return Convert(json, branch, tagged, convertLogical, depth + 1);
            }
            catch (AvroException ex)
            {
                first ??= ex;
            }
        }

        throw new AvroException($"JSON value {Abbreviate(json)} fits no branch of union {union.DisplayName}", first);
    }

    private static double ReadDouble(JsonElement json, AvroSchema schema)
    {
        if (json.ValueKind == JsonValueKind.Number)
        {
            return json.GetDouble();
        }

        if (json.ValueKind == JsonValueKind.String)
        {
            switch (json.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }

        Expect(false, json, schema);
        return 0;
    }

    private static byte[] CodePointsToBytes(string text, AvroSchema schema)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 0xFF)
            {
                throw new AvroException($"JSON string for {schema.DisplayName} has character U+{(int)text[i]:X4}; bytes are written as code points 0-255");
            }

            bytes[i] = (byte)text[i];
        }

        return bytes;
    }

    private static string BytesToCodePoints(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, b) =>
        {
            for (var i = 0; i < b.Length; i++)
            {
                span[i] = (char)b[i];
            }
        });
    }

    private static void Expect(bool condition, JsonElement json, AvroSchema schema)
    {
        if (!condition)
        {
            throw new AvroException($"JSON value {Abbreviate(json)} is not a valid {schema.DisplayName}");
        }
    }

    private static string Abbreviate(JsonElement json)
    {
        var text = json.GetRawText();
        return text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
    }

    private static void WriteValue(Utf8JsonWriter w, object? datum, AvroSchema schema, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AvroException($"Datum nests deeper than {MaxDepth} levels");
        }

        if (schema.Type == AvroType.Union)
        {
            var union = (UnionSchema)schema;
            var index = GenericDatumWriter.SelectBranch(union, datum);
            var branch = union.Branches[index];
            if (branch.Type == AvroType.Null)
            {
                w.WriteNullValue();
                return;
            }

            w.WriteStartObject();
            w.WritePropertyName(SchemaNames.BranchKey(branch));
            WriteValue(w, datum, branch, depth + 1);
            w.WriteEndObject();
            return;
        }

        var value = LogicalValues.ToUnderlying(schema, datum);
        switch (schema.Type)
        {
            case AvroType.Null:
                w.WriteNullValue();
                break;
            case AvroType.Boolean:
                w.WriteBooleanValue(value is bool b ? b : throw Mismatch(value, schema));
                break;
            case AvroType.Int:
            case AvroType.Long:
                w.WriteNumberValue(GenericDatumWriter.ToInt64(value, schema));
                break;
            case AvroType.Float:
                WriteFloating(w, GenericDatumWriter.ToDouble(value, schema), isFloat: true);
                break;
            case AvroType.Double:
                WriteFloating(w, GenericDatumWriter.ToDouble(value, schema), isFloat: false);
                break;
            case AvroType.Bytes:
                w.WriteStringValue(BytesToCodePoints(GenericDatumWriter.ToBytes(value, schema)));
                break;
            case AvroType.String:
                w.WriteStringValue(value is string s ? s : throw Mismatch(value, schema));
                break;
            case AvroType.Fixed:
                w.WriteStringValue(BytesToCodePoints(GenericDatumWriter.ToFixed(value, (FixedSchema)schema)));
                break;
            case AvroType.Enum:
                var enumSchema = (EnumSchema)schema;
                w.WriteStringValue(enumSchema.Symbols[GenericDatumWriter.EnumIndex(value, enumSchema)]);
                break;
            case AvroType.Array:
                if (value is not IEnumerable list || value is string or byte[] || value is IDictionary)
                {
                    throw Mismatch(value, schema);
                }

                w.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(w, item, ((ArraySchema)schema).Items, depth + 1);
                }

                w.WriteEndArray();
                break;
            case AvroType.Map:
                w.WriteStartObject();
                foreach (var (key, item) in GenericDatumWriter.MapEntries(value, schema))
                {
                    w.WritePropertyName(key);
                    WriteValue(w, item, ((MapSchema)schema).Values, depth + 1);
                }

                w.WriteEndObject();
                break;
            case AvroType.Record:
                var recordSchema = (RecordSchema)schema;
                if (value is not GenericRecord record)
                {
                    throw Mismatch(value, schema);
                }

                w.WriteStartObject();
                foreach (var field in recordSchema.Fields)
                {
                    w.WritePropertyName(field.Name);
                    try
                    {
                        WriteValue(w, GenericDatumWriter.FieldValue(record, field), field.Schema, depth + 1);
                    }
                    catch (AvroException ex)
                    {
                        throw ex.WithOuterField(field.Name);
                    }
                }

                w.WriteEndObject();
                break;
            default:
                throw new AvroException($"Unsupported schema type {schema.Type}");
        }
    }

    private static void WriteFloating(Utf8JsonWriter w, double value, bool isFloat)
    {
        if (double.IsNaN(value))
        {
            w.WriteStringValue("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            w.WriteStringValue("Infinity");
        }
        else if (double.IsNegativeInfinity(value))
        {
            w.WriteStringValue("-Infinity");
        }
        else if (isFloat)
        {
            w.WriteNumberValue((float)value);
        }
        else
        {
            w.WriteNumberValue(value);
        }
    }

    private static AvroException Mismatch(object? value, AvroSchema schema) =>
        new($"Value {(value is null ? "null" : value.GetType().Name)} does not fit schema {schema.DisplayName}");

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name,
    };
}

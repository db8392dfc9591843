using System.Buffers;
using System.Collections;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>
/// Writes generic datums (see <see cref="GenericRecord"/> for the value model) in Avro binary encoding. Numbers
/// are accepted when they convert without loss; logical types accept their .NET values or their underlying values.
/// Throws <see cref="AvroException"/> naming the field when a datum does not fit the schema. Thread-safe.
/// </summary>
public sealed class GenericDatumWriter
{
    private const int MaxDepth = 256;

    public GenericDatumWriter(AvroSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Schema = schema;
    }

    public AvroSchema Schema { get; }

    public void Write(object? datum, IBufferWriter<byte> output)
    {
        var writer = new AvroWriter(output);
        Write(datum, writer);
    }

    public void Write(object? datum, AvroWriter writer) => WriteValue(writer, datum, Schema, 0);

    /// <summary>The datum's binary encoding as a new array.</summary>
    public byte[] Serialize(object? datum)
    {
        using var buffer = new PooledBufferWriter();
        Write(datum, buffer);
        return buffer.ToArray();
    }

    private static void WriteValue(AvroWriter w, object? datum, AvroSchema schema, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AvroException($"Datum nests deeper than {MaxDepth} levels");
        }

        if (schema.Type == AvroType.Union)
        {
            var union = (UnionSchema)schema;
            var index = SelectBranch(union, datum);
            w.WriteInt(index);
            WriteValue(w, datum, union.Branches[index], depth + 1);
            return;
        }

        var value = LogicalValues.ToUnderlying(schema, datum);
        switch (schema.Type)
        {
            case AvroType.Null:
                if (value is not null)
                {
                    throw Mismatch(value, schema);
                }

                break;
            case AvroType.Boolean:
                w.WriteBoolean(value is bool b ? b : throw Mismatch(value, schema));
                break;
            case AvroType.Int:
                var l = ToInt64(value, schema);
                if (l is < int.MinValue or > int.MaxValue)
                {
                    throw new AvroException($"Value {l} does not fit an Avro int");
                }

                w.WriteInt((int)l);
                break;
            case AvroType.Long:
                w.WriteLong(ToInt64(value, schema));
                break;
            case AvroType.Float:
                w.WriteFloat((float)ToDouble(value, schema));
                break;
            case AvroType.Double:
                w.WriteDouble(ToDouble(value, schema));
                break;
            case AvroType.Bytes:
                w.WriteBytes(ToBytes(value, schema));
                break;
            case AvroType.String:
                w.WriteString(value is string s ? s : throw Mismatch(value, schema));
                break;
            case AvroType.Fixed:
                w.WriteFixed(ToFixed(value, (FixedSchema)schema));
                break;
            case AvroType.Enum:
                w.WriteInt(EnumIndex(value, (EnumSchema)schema));
                break;
            case AvroType.Array:
                WriteArray(w, value, (ArraySchema)schema, depth);
                break;
            case AvroType.Map:
                var mapSchema = (MapSchema)schema;
                var entries = MapEntries(value, schema);
                if (entries.Count > 0)
                {
                    w.WriteLong(entries.Count);
                    foreach (var (key, item) in entries)
                    {
                        w.WriteString(key);
                        try
                        {
                            WriteValue(w, item, mapSchema.Values, depth + 1);
                        }
                        catch (AvroException ex)
                        {
                            throw ex.WithOuterField("{" + key + "}");
                        }
                    }
                }

                w.WriteLong(0);
                break;
            case AvroType.Record:
                if (value is not GenericRecord record)
                {
                    throw Mismatch(value, schema);
                }

                foreach (var field in ((RecordSchema)schema).Fields)
                {
                    try
                    {
                        WriteValue(w, FieldValue(record, field), field.Schema, depth + 1);
                    }
                    catch (AvroException ex)
                    {
                        throw ex.WithOuterField(field.Name);
                    }
                }

                break;
            default:
                throw new AvroException($"Unsupported schema type {schema.Type}");
        }
    }

    private static void WriteArray(AvroWriter w, object? value, ArraySchema schema, int depth)
    {
        if (value is not IEnumerable items || value is string or byte[] || value is IDictionary)
        {
            throw Mismatch(value, schema);
        }

        if (value is ICollection collection)
        {
            if (collection.Count > 0)
            {
                w.WriteLong(collection.Count);
                var i = 0;
                foreach (var item in collection)
                {
                    WriteItem(w, item, schema.Items, depth, i++);
                }
            }
        }
        else
        {
            var buffered = new List<object?>();
            foreach (var item in items)
            {
                buffered.Add(item);
            }

            if (buffered.Count > 0)
            {
                w.WriteLong(buffered.Count);
                for (var i = 0; i < buffered.Count; i++)
                {
                    WriteItem(w, buffered[i], schema.Items, depth, i);
                }
            }
        }

        w.WriteLong(0);
    }

    private static void WriteItem(AvroWriter w, object? item, AvroSchema schema, int depth, int index)
    {
        try
        {
            WriteValue(w, item, schema, depth + 1);
        }
        catch (AvroException ex)
        {
            throw ex.WithOuterField("[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");
        }
    }

    /// <summary>The union branch a datum is written as: an exact type match first, then a lossless promotion.</summary>
    internal static int SelectBranch(UnionSchema union, object? datum)
    {
        var branches = union.Branches;
        for (var i = 0; i < branches.Count; i++)
        {
            if (Fits(branches[i], datum, exact: true))
            {
                return i;
            }
        }

        for (var i = 0; i < branches.Count; i++)
        {
            if (Fits(branches[i], datum, exact: false))
            {
                return i;
            }
        }

        throw new AvroException($"Value {(datum is null ? "null" : datum.GetType().Name)} fits no branch of union {union.DisplayName}");
    }

    private static bool Fits(AvroSchema schema, object? datum, bool exact)
    {
        if (datum is null)
        {
            return schema.Type == AvroType.Null;
        }

        if (schema.LogicalType is not null && LogicalValues.IsLogicalValue(schema, datum))
        {
            return true;
        }

        return schema.Type switch
        {
            AvroType.Null => false,
            AvroType.Boolean => datum is bool,
            AvroType.Int => datum is int || (!exact && datum is short or sbyte or byte or ushort),
            AvroType.Long => datum is long || (!exact && datum is int or short or sbyte or byte or ushort or uint),
            AvroType.Float => datum is float || (!exact && datum is int or long),
            AvroType.Double => datum is double || (!exact && datum is float or int or long),
            AvroType.Bytes => datum is byte[] or ReadOnlyMemory<byte> or Memory<byte>,
            AvroType.String => datum is string,
            AvroType.Fixed => datum is GenericFixed f ? f.Schema.FullName == ((FixedSchema)schema).FullName
                : !exact && datum is byte[] bytes && bytes.Length == ((FixedSchema)schema).Size,
            AvroType.Enum => datum is GenericEnum e ? e.Schema.FullName == ((EnumSchema)schema).FullName
                : !exact && datum is string s && ((EnumSchema)schema).IndexOf(s) >= 0,
            AvroType.Record => datum is GenericRecord r && (r.Schema.FullName == ((RecordSchema)schema).FullName
                || (!exact && r.Schema.Name == ((RecordSchema)schema).Name)),
            AvroType.Map => datum is IDictionary<string, object?> or IReadOnlyDictionary<string, object?> or IDictionary,
            AvroType.Array => datum is IEnumerable and not (string or byte[] or IDictionary or IDictionary<string, object?>),
            _ => false,
        };
    }

    internal static long ToInt64(object? value, AvroSchema schema) => value switch
    {
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        uint ui => ui,
        _ => throw Mismatch(value, schema),
    };

    internal static double ToDouble(object? value, AvroSchema schema) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        decimal m => (double)m,
        _ => throw Mismatch(value, schema),
    };

    internal static ReadOnlySpan<byte> ToBytes(object? value, AvroSchema schema) => value switch
    {
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> rom => rom.Span,
        Memory<byte> m => m.Span,
        _ => throw Mismatch(value, schema),
    };

    internal static ReadOnlySpan<byte> ToFixed(object? value, FixedSchema schema)
    {
        var bytes = value switch
        {
            GenericFixed f => f.Value,
            byte[] b => b,
            _ => throw Mismatch(value, schema),
        };
        if (bytes.Length != schema.Size)
        {
            throw new AvroException($"Fixed {schema.FullName} needs {schema.Size} bytes, got {bytes.Length}");
        }

        return bytes;
    }

    internal static int EnumIndex(object? value, EnumSchema schema)
    {
        var symbol = value switch
        {
            GenericEnum e => e.Symbol,
            string s => s,
            _ => throw Mismatch(value, schema),
        };
        var index = schema.IndexOf(symbol);
        return index >= 0 ? index : throw new AvroException($"'{symbol}' is not a symbol of enum {schema.FullName}");
    }

    internal static IReadOnlyCollection<KeyValuePair<string, object?>> MapEntries(object? value, AvroSchema schema)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> ro:
                return ro;
            case IDictionary<string, object?> d:
                return new List<KeyValuePair<string, object?>>(d);
            case IDictionary legacy:
                var list = new List<KeyValuePair<string, object?>>(legacy.Count);
                foreach (DictionaryEntry entry in legacy)
                {
                    list.Add(new KeyValuePair<string, object?>(entry.Key as string ?? throw new AvroException("Map keys must be strings"), entry.Value));
                }

                return list;
            default:
                throw Mismatch(value, schema);
        }
    }

    /// <summary>The value of <paramref name="field"/> in a record that may have been built with another version of the schema.</summary>
    internal static object? FieldValue(GenericRecord record, Field field)
    {
        if (field.Position < record.FieldCount && ReferenceEquals(record.Schema.Fields[field.Position], field))
        {
            return record[field.Position];
        }

        if (record.TryGetValue(field.Name, out var value))
        {
            return value;
        }

        return field.DefaultJson is { } json
            ? Json.AvroJsonDatum.FromDefault(json, field.Schema)
            : throw new AvroException($"Record {record.Schema.FullName} has no field '{field.Name}' and the schema gives no default");
    }

    private static AvroException Mismatch(object? value, AvroSchema schema) =>
        new($"Value of type {(value is null ? "null" : value.GetType().Name)} does not fit schema {schema.DisplayName}");
}

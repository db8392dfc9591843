using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TelemetryPipeline.Avro.Schema;

/// <summary>Writes schemas as JSON: the Parsing Canonical Form, or the full form that round-trips through the parser.</summary>
internal static class SchemaJsonWriter
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>
    /// Parsing Canonical Form: [PRIMITIVES] [FULLNAMES] [STRIP] [ORDER] [STRINGS] [INTEGERS] [WHITESPACE]; named types
    /// are written in full once and by full name afterwards. Names and symbols are restricted to [A-Za-z0-9_.], so no
    /// JSON escaping is ever needed.
    /// </summary>
    internal static string WriteCanonical(AvroSchema schema)
    {
        var sb = new StringBuilder(128);
        WriteCanonical(schema, sb, new HashSet<string>(StringComparer.Ordinal));
        return sb.ToString();
    }

    private static void WriteCanonical(AvroSchema schema, StringBuilder sb, HashSet<string> written)
    {
        switch (schema)
        {
            case PrimitiveSchema p:
                sb.Append('"').Append(SchemaNames.PrimitiveName(p.Type)).Append('"');
                break;
            case NamedSchema named when !written.Add(named.FullName):
                sb.Append('"').Append(named.FullName).Append('"');
                break;
            case RecordSchema record:
                sb.Append("{\"name\":\"").Append(record.FullName).Append("\",\"type\":\"record\",\"fields\":[");
                for (var i = 0; i < record.Fields.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append("{\"name\":\"").Append(record.Fields[i].Name).Append("\",\"type\":");
                    WriteCanonical(record.Fields[i].Schema, sb, written);
                    sb.Append('}');
                }

                sb.Append("]}");
                break;
            case EnumSchema e:
                sb.Append("{\"name\":\"").Append(e.FullName).Append("\",\"type\":\"enum\",\"symbols\":[");
                for (var i = 0; i < e.Symbols.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append('"').Append(e.Symbols[i]).Append('"');
                }

                sb.Append("]}");
                break;
            case FixedSchema f:
                sb.Append("{\"name\":\"").Append(f.FullName).Append("\",\"type\":\"fixed\",\"size\":")
                    .Append(f.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('}');
                break;
            case ArraySchema a:
                sb.Append("{\"type\":\"array\",\"items\":");
                WriteCanonical(a.Items, sb, written);
                sb.Append('}');
                break;
            case MapSchema m:
                sb.Append("{\"type\":\"map\",\"values\":");
                WriteCanonical(m.Values, sb, written);
                sb.Append('}');
                break;
            case UnionSchema u:
                sb.Append('[');
                for (var i = 0; i < u.Branches.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteCanonical(u.Branches[i], sb, written);
                }

                sb.Append(']');
                break;
            default:
                throw new AvroException($"Unsupported schema type {schema.Type}.");
        }
    }

    internal static string WriteFull(AvroSchema schema)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            WriteFull(schema, writer, null, new HashSet<string>(StringComparer.Ordinal));
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteFull(AvroSchema schema, Utf8JsonWriter w, string? enclosingNamespace, HashSet<string> written)
    {
        switch (schema)
        {
            case PrimitiveSchema p:
                if (p.LogicalType is null && p.Properties.Count == 0)
                {
                    w.WriteStringValue(SchemaNames.PrimitiveName(p.Type));
                    return;
                }

                w.WriteStartObject();
                w.WriteString("type", SchemaNames.PrimitiveName(p.Type));
                WriteLogicalType(p.LogicalType, w);
                WriteProperties(p.Properties, w);
                w.WriteEndObject();
                return;
            case NamedSchema named when !written.Add(named.FullName):
                w.WriteStringValue(named.Namespace == enclosingNamespace ? named.Name : named.FullName);
                return;
            case NamedSchema named:
                w.WriteStartObject();
                w.WriteString("type", named switch
                {
                    RecordSchema { IsError: true } => "error",
                    RecordSchema => "record",
                    EnumSchema => "enum",
                    _ => "fixed",
                });
                w.WriteString("name", named.Name);
                if (named.Namespace != enclosingNamespace)
                {
                    w.WriteString("namespace", named.Namespace ?? string.Empty);
                }

                if (named.Doc is not null)
                {
                    w.WriteString("doc", named.Doc);
                }

                if (named.AliasNames.Count > 0)
                {
                    w.WriteStartArray("aliases");
                    foreach (var alias in named.AliasNames)
                    {
                        w.WriteStringValue(alias.Namespace == named.Namespace ? alias.Name : alias.FullName);
                    }

                    w.WriteEndArray();
                }

                WriteNamedBody(named, w, written);
                WriteLogicalType(named.LogicalType, w);
                WriteProperties(named.Properties, w);
                w.WriteEndObject();
                return;
            case ArraySchema a:
                w.WriteStartObject();
                w.WriteString("type", "array");
                w.WritePropertyName("items");
                WriteFull(a.Items, w, enclosingNamespace, written);
                WriteProperties(a.Properties, w);
                w.WriteEndObject();
                return;
            case MapSchema m:
                w.WriteStartObject();
                w.WriteString("type", "map");
                w.WritePropertyName("values");
                WriteFull(m.Values, w, enclosingNamespace, written);
                WriteProperties(m.Properties, w);
                w.WriteEndObject();
                return;
            case UnionSchema u:
                w.WriteStartArray();
                foreach (var branch in u.Branches)
                {
                    WriteFull(branch, w, enclosingNamespace, written);
                }

                w.WriteEndArray();
                return;
            default:
                throw new AvroException($"Unsupported schema type {schema.Type}.");
        }
    }

    private static void WriteNamedBody(NamedSchema named, Utf8JsonWriter w, HashSet<string> written)
    {
        switch (named)
        {
            case RecordSchema record:
                w.WriteStartArray("fields");
                foreach (var field in record.Fields)
                {
                    w.WriteStartObject();
                    w.WriteString("name", field.Name);
                    w.WritePropertyName("type");
                    WriteFull(field.Schema, w, record.Namespace, written);
                    if (field.Doc is not null)
                    {
                        w.WriteString("doc", field.Doc);
                    }

                    if (field.DefaultJson is { } d)
                    {
                        w.WritePropertyName("default");
                        d.WriteTo(w);
                    }

                    if (field.Order != FieldOrder.Ascending)
                    {
                        w.WriteString("order", field.Order == FieldOrder.Descending ? "descending" : "ignore");
                    }

                    if (field.Aliases.Count > 0)
                    {
                        w.WriteStartArray("aliases");
                        foreach (var alias in field.Aliases)
                        {
                            w.WriteStringValue(alias);
                        }

                        w.WriteEndArray();
                    }

                    WriteProperties(field.Properties, w);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case EnumSchema e:
                w.WriteStartArray("symbols");
                foreach (var symbol in e.Symbols)
                {
                    w.WriteStringValue(symbol);
                }

                w.WriteEndArray();
                if (e.Default is not null)
                {
                    w.WriteString("default", e.Default);
                }

                break;
            case FixedSchema f:
                w.WriteNumber("size", f.Size);
                break;
        }
    }

    private static void WriteLogicalType(AvroLogicalType? logical, Utf8JsonWriter w)
    {
        if (logical is null)
        {
            return;
        }

        w.WriteString("logicalType", logical.Name);
        if (logical.Kind == LogicalTypeKind.Decimal)
        {
            w.WriteNumber("precision", logical.Precision);
            w.WriteNumber("scale", logical.Scale);
        }
    }

    private static void WriteProperties(IReadOnlyDictionary<string, JsonElement> props, Utf8JsonWriter w)
    {
        foreach (var (key, value) in props)
        {
            w.WritePropertyName(key);
            value.WriteTo(w);
        }
    }
}

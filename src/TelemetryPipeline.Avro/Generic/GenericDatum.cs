using System.Collections;
using System.Globalization;
using System.Text;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>Structural equality, copying and display of generic datums.</summary>
public static class GenericDatum
{
    /// <summary>Structural equality: byte arrays by content, lists in order, maps by key; NaN equals NaN.</summary>
    public static bool DeepEquals(object? a, object? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        switch (a)
        {
            case byte[] ba:
                return b is byte[] bb && ba.AsSpan().SequenceEqual(bb);
            case double da:
                return b is double db && (da.Equals(db));
            case float fa:
                return b is float fb && fa.Equals(fb);
            case IDictionary<string, object?> ma:
                if (b is not IDictionary<string, object?> mb || ma.Count != mb.Count)
                {
                    return false;
                }

                foreach (var (key, value) in ma)
                {
                    if (!mb.TryGetValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case IList la when a is not string:
                if (b is not IList lb || la.Count != lb.Count)
                {
                    return false;
                }

                for (var i = 0; i < la.Count; i++)
                {
                    if (!DeepEquals(la[i], lb[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return a.Equals(b);
        }
    }

    /// <summary>A deep copy of mutable datums (records, lists, maps, byte arrays); immutable values are returned as is.</summary>
    public static object? DeepCopy(object? value)
    {
        switch (value)
        {
            case byte[] bytes:
                return bytes.Clone();
            case GenericRecord record:
                var copy = new GenericRecord(record.Schema);
                for (var i = 0; i < record.FieldCount; i++)
                {
                    copy[i] = DeepCopy(record[i]);
                }

                return copy;
            case GenericFixed f:
                return new GenericFixed(f.Schema, (byte[])f.Value.Clone());
            case Dictionary<string, object?> map:
                var mapCopy = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
                foreach (var (key, v) in map)
                {
                    mapCopy[key] = DeepCopy(v);
                }

                return mapCopy;
            case List<object?> list:
                var listCopy = new List<object?>(list.Count);
                foreach (var item in list)
                {
                    listCopy.Add(DeepCopy(item));
                }

                return listCopy;
            default:
                return value;
        }
    }

    internal static void Describe(object? value, StringBuilder sb)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case string s:
                sb.Append('"').Append(s).Append('"');
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case byte[] bytes:
                sb.Append("0x").Append(Convert.ToHexString(bytes));
                break;
            case GenericRecord record:
                sb.Append('{');
                for (var i = 0; i < record.FieldCount; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    sb.Append(record.Schema.Fields[i].Name).Append(": ");
                    Describe(record[i], sb);
                }

                sb.Append('}');
                break;
            case IDictionary<string, object?> map:
                sb.Append('{');
                var first = true;
                foreach (var (key, v) in map)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    sb.Append('"').Append(key).Append("\": ");
                    Describe(v, sb);
                }

                sb.Append('}');
                break;
            case IList list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Describe(list[i], sb);
                }

                sb.Append(']');
                break;
            case IFormattable f:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append(value);
                break;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>Limits and value options for decoding.</summary>
public sealed record AvroReaderOptions
{
    public static AvroReaderOptions Default { get; } = new();

    /// <summary>Deepest nesting of records, arrays, maps and unions decoded; guards the stack against hostile input. Default 100.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Most items a collection of zero-byte items (nulls, empty records) may declare; other collections are bounded by the input length. Default 65,536.</summary>
    public int MaxZeroByteItems { get; init; } = 65_536;

    /// <summary>Whether logical types become .NET values (decimal, Guid, DateTime…) or stay underlying (byte[], string, long…). Default true.</summary>
    public bool ConvertLogicalTypes { get; init; } = true;

    /// <summary>Throws when a limit is out of range, naming it.</summary>
    public void Validate()
    {
        if (MaxDepth is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "MaxDepth must be between 1 and 10000.");
        }

        if (MaxZeroByteItems < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxZeroByteItems), MaxZeroByteItems, "MaxZeroByteItems must be zero or positive.");
        }
    }
}

/// <summary>
/// Decodes Avro binary data written with a writer schema into generic datums of a reader schema (schema resolution
/// applied). Never throws anything but <see cref="AvroException"/> for bad input; never allocates more than the input
/// can justify. Thread-safe and reusable.
/// </summary>
public sealed class GenericDatumReader
{
    private readonly AvroReaderOptions _options;

    /// <summary>Reads data written with <paramref name="writerSchema"/> as <paramref name="readerSchema"/> (the writer schema when null).</summary>
    public GenericDatumReader(AvroSchema writerSchema, AvroSchema? readerSchema = null, AvroReaderOptions? options = null)
        : this(SchemaResolver.Resolve(writerSchema, readerSchema ?? writerSchema), options)
    {
    }

    public GenericDatumReader(ReadPlan plan, AvroReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _options = options ?? AvroReaderOptions.Default;
        _options.Validate();
        Plan = plan;
    }

    public ReadPlan Plan { get; }

    public AvroSchema WriterSchema => Plan.Writer;

    public AvroSchema ReaderSchema => Plan.Reader;

    /// <summary>Reads one datum from the reader's position.</summary>
    public object? Read(ref AvroReader reader) => ReadValue(ref reader, Plan, 0);

    /// <summary>Reads one datum that must span all of <paramref name="data"/>.</summary>
    public object? Read(ReadOnlySpan<byte> data)
    {
        var reader = new AvroReader(data);
        var value = ReadValue(ref reader, Plan, 0);
        if (!reader.End)
        {
            throw new AvroException($"{reader.Remaining} unexpected bytes after the datum", reader.Position);
        }

        return value;
    }

    private object? ReadValue(ref AvroReader r, ReadPlan plan, int depth)
    {
        var reader = plan.Reader;
        switch (plan.Kind)
        {
            case ReadPlanKind.Null:
                return null;
            case ReadPlanKind.Boolean:
                return r.ReadBoolean();
            case ReadPlanKind.Int:
                var i = r.ReadInt();
                return reader.Type switch
                {
                    AvroType.Long => (long)i,
                    AvroType.Float => (float)i,
                    AvroType.Double => (double)i,
                    _ => Logical(reader, i, r.Position),
                };
            case ReadPlanKind.Long:
                var l = r.ReadLong();
                return reader.Type switch
                {
                    AvroType.Float => (float)l,
                    AvroType.Double => (double)l,
                    _ => Logical(reader, l, r.Position),
                };
            case ReadPlanKind.Float:
                var f = r.ReadFloat();
                return reader.Type == AvroType.Double ? (object)(double)f : f;
            case ReadPlanKind.Double:
                return r.ReadDouble();
            case ReadPlanKind.Bytes:
                var bytesStart = r.Position;
                var bytes = r.ReadBytes();
                return reader.Type == AvroType.String ? DecodeUtf8(bytes, bytesStart) : Logical(reader, bytes.ToArray(), bytesStart);
            case ReadPlanKind.String:
                var stringStart = r.Position;
                if (reader.Type == AvroType.Bytes)
                {
                    return Logical(reader, r.ReadBytes().ToArray(), stringStart);
                }

                return Logical(reader, r.ReadString(), stringStart);
            case ReadPlanKind.Fixed:
                var fixedStart = r.Position;
                var fixedSchema = (FixedSchema)reader;
                return Logical(reader, new GenericFixed(fixedSchema, r.ReadFixed(fixedSchema.Size).ToArray()), fixedStart);
            case ReadPlanKind.Enum:
                return ReadEnum(ref r, plan);
            case ReadPlanKind.Record:
                return ReadRecord(ref r, plan, depth);
            case ReadPlanKind.Array:
                return ReadArray(ref r, plan, depth);
            case ReadPlanKind.Map:
                return ReadMap(ref r, plan, depth);
            case ReadPlanKind.WriterUnion:
                CheckDepth(depth, r.Position);
                var unionStart = r.Position;
                var index = r.ReadLong();
                var branches = plan.BranchArray;
                if ((ulong)index >= (ulong)branches.Length)
                {
                    throw new AvroException($"Union branch index {index} is outside the {branches.Length} branches of {plan.Writer.DisplayName}", unionStart);
                }

                return ReadValue(ref r, branches[index], depth + 1);
            case ReadPlanKind.ReaderUnion:
                return ReadValue(ref r, plan.Inner!, depth);
            default:
                throw new AvroException(plan.Error ?? "Data cannot be read with the reader schema", r.Position);
        }
    }

    private static GenericEnum ReadEnum(ref AvroReader r, ReadPlan plan)
    {
        var start = r.Position;
        var index = r.ReadInt();
        var map = plan.EnumMapArray;
        if ((uint)index >= (uint)map.Length)
        {
            throw new AvroException($"Enum index {index} is outside the {map.Length} symbols of {plan.Writer.DisplayName}", start);
        }

        var mapped = map[index];
        if (mapped < 0)
        {
            throw new AvroException($"Writer symbol {((EnumSchema)plan.Writer).Symbols[index]} is not a symbol of reader enum {plan.Reader.DisplayName}, which has no default", start);
        }

        return plan.EnumValues[mapped];
    }

    private GenericRecord ReadRecord(ref AvroReader r, ReadPlan plan, int depth)
    {
        CheckDepth(depth, r.Position);
        var record = new GenericRecord((RecordSchema)plan.Reader);
        foreach (var step in plan.FieldArray)
        {
            try
            {
                if (step.Plan is null)
                {
                    AvroSkipper.Skip(ref r, step.WriterField.Schema, depth + 1, _options.MaxDepth);
                }
                else
                {
                    record[step.ReaderField!.Position] = ReadValue(ref r, step.Plan, depth + 1);
                }
            }
            catch (AvroException ex)
            {
                throw ex.WithOuterField(step.WriterField.Name);
            }
        }

        foreach (var d in plan.DefaultArray)
        {
            record[d.ReaderField.Position] = GenericDatum.DeepCopy(_options.ConvertLogicalTypes ? d.Value : d.RawValue);
        }

        return record;
    }

    private List<object?> ReadArray(ref AvroReader r, ReadPlan plan, int depth)
    {
        CheckDepth(depth, r.Position);
        var items = plan.Items!;
        var minSize = items.Writer.MinEncodedSize;
        List<object?>? list = null;
        long total = 0;
        while (true)
        {
            var start = r.Position;
            var count = r.ReadBlockCount(out _);
            if (count == 0)
            {
                return list ?? [];
            }

            total += count;
            CheckCount(count, total, minSize, ref r, start);
            list ??= new List<object?>((int)Math.Min(count, 1024));
            for (long n = 0; n < count; n++)
            {
                try
                {
                    list.Add(ReadValue(ref r, items, depth + 1));
                }
                catch (AvroException ex)
                {
                    throw ex.WithOuterField("[" + list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");
                }
            }
        }
    }

    private Dictionary<string, object?> ReadMap(ref AvroReader r, ReadPlan plan, int depth)
    {
        CheckDepth(depth, r.Position);
        var values = plan.Items!;
        var minSize = 1 + values.Writer.MinEncodedSize;
        Dictionary<string, object?>? map = null;
        long total = 0;
        while (true)
        {
            var start = r.Position;
            var count = r.ReadBlockCount(out _);
            if (count == 0)
            {
                return map ?? new Dictionary<string, object?>(StringComparer.Ordinal);
            }

            total += count;
            CheckCount(count, total, minSize, ref r, start);
            map ??= new Dictionary<string, object?>((int)Math.Min(count, 1024), StringComparer.Ordinal);
            for (long n = 0; n < count; n++)
            {
                var key = r.ReadString();
                try
                {
                    map[key] = ReadValue(ref r, values, depth + 1);
                }
                catch (AvroException ex)
                {
                    throw ex.WithOuterField("{" + key + "}");
                }
            }
        }
    }

    private void CheckCount(long count, long total, int minSize, ref AvroReader r, int start)
    {
        if (minSize > 0)
        {
            if (count > r.Remaining / minSize)
            {
                throw new AvroException($"Collection block declares {count} items of at least {minSize} bytes but only {r.Remaining} bytes remain", start);
            }
        }
        else if (total > _options.MaxZeroByteItems)
        {
            throw new AvroException($"Collection declares {total} zero-byte items, more than the limit of {_options.MaxZeroByteItems}", start);
        }
    }

    private void CheckDepth(int depth, int position)
    {
        if (depth >= _options.MaxDepth)
        {
            throw new AvroException($"Data nests deeper than the limit of {_options.MaxDepth} levels", position);
        }
    }

    private object? Logical(AvroSchema reader, object? value, int position)
    {
        if (!_options.ConvertLogicalTypes || reader.LogicalType is null)
        {
            return value;
        }

        try
        {
            return LogicalValues.FromUnderlying(reader, value);
        }
        catch (AvroException ex)
        {
            throw new AvroException(ex.Reason, position);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, int position)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new AvroException("Bytes read as a string are not valid UTF-8", position);
        }

        return Encoding.UTF8.GetString(bytes);
    }
}

/// <summary>Skips over encoded values without materialising them (writer fields the reader does not have).</summary>
public static class AvroSkipper
{
    /// <summary>Advances <paramref name="r"/> past one value of <paramref name="schema"/>; throws <see cref="AvroException"/> on malformed input.</summary>
    public static void Skip(ref AvroReader r, AvroSchema schema, int depth = 0, int maxDepth = 100)
    {
        if (depth >= maxDepth)
        {
            throw new AvroException($"Data nests deeper than the limit of {maxDepth} levels", r.Position);
        }

        switch (schema.Type)
        {
            case AvroType.Null:
                return;
            case AvroType.Boolean:
                r.ReadBoolean();
                return;
            case AvroType.Int:
                r.ReadInt();
                return;
            case AvroType.Long:
                r.ReadLong();
                return;
            case AvroType.Float:
                r.ReadFloat();
                return;
            case AvroType.Double:
                r.ReadDouble();
                return;
            case AvroType.Bytes:
                r.ReadBytes();
                return;
            case AvroType.String:
                r.ReadStringUtf8();
                return;
            case AvroType.Fixed:
                r.ReadFixed(((FixedSchema)schema).Size);
                return;
            case AvroType.Enum:
                var enumStart = r.Position;
                var symbol = r.ReadInt();
                if ((uint)symbol >= (uint)((EnumSchema)schema).Symbols.Count)
                {
                    throw new AvroException($"Enum index {symbol} is outside the symbols of {schema.DisplayName}", enumStart);
                }

                return;
            case AvroType.Record:
                foreach (var field in ((RecordSchema)schema).Fields)
                {
                    Skip(ref r, field.Schema, depth + 1, maxDepth);
                }

                return;
            case AvroType.Union:
                var union = (UnionSchema)schema;
                var start = r.Position;
                var index = r.ReadLong();
                if ((ulong)index >= (ulong)union.Branches.Count)
                {
                    throw new AvroException($"Union branch index {index} is outside the {union.Branches.Count} branches of {union.DisplayName}", start);
                }

                Skip(ref r, union.Branches[(int)index], depth + 1, maxDepth);
                return;
            case AvroType.Array:
                SkipBlocks(ref r, ((ArraySchema)schema).Items, isMap: false, depth, maxDepth);
                return;
            case AvroType.Map:
                SkipBlocks(ref r, ((MapSchema)schema).Values, isMap: true, depth, maxDepth);
                return;
        }
    }

    private static void SkipBlocks(ref AvroReader r, AvroSchema items, bool isMap, int depth, int maxDepth)
    {
        var minSize = (isMap ? 1 : 0) + items.MinEncodedSize;
        while (true)
        {
            var start = r.Position;
            var count = r.ReadBlockCount(out var byteSize);
            if (count == 0)
            {
                return;
            }

            if (byteSize >= 0)
            {
                r.TrySkip(byteSize);
                continue;
            }

            if (minSize == 0)
            {
                // Zero-byte items take no input to skip; nothing to do however many are declared.
                continue;
            }

            if (count > r.Remaining / minSize)
            {
                throw new AvroException($"Collection block declares {count} items of at least {minSize} bytes but only {r.Remaining} bytes remain", start);
            }

            for (long n = 0; n < count; n++)
            {
                if (isMap)
                {
                    r.ReadStringUtf8();
                }

                Skip(ref r, items, depth + 1, maxDepth);
            }
        }
    }
}

using System.Runtime.CompilerServices;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Resolution;

/// <summary>The outcome of checking whether data written with one schema can be read with another.</summary>
public sealed class CompatibilityResult
{
    internal CompatibilityResult(IReadOnlyList<string> errors, IReadOnlyList<string> warnings)
    {
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>True when every datum of the writer schema can be read with the reader schema.</summary>
    public bool IsCompatible => Errors.Count == 0 && Warnings.Count == 0;

    /// <summary>True when a plan can be built at all (some data may still fail: see <see cref="Warnings"/>).</summary>
    public bool CanResolve => Errors.Count == 0;

    /// <summary>Incompatibilities that make resolution impossible, each naming the field.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Data-dependent problems: writer union branches or enum symbols the reader cannot accept; only such data fails.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// Avro schema resolution (specification, "Schema Resolution"): builds the <see cref="ReadPlan"/> that reads data
/// written with a writer schema as values of a reader schema — fields matched by name or reader alias, added reader
/// fields from defaults, removed writer fields skipped, int→long→float→double and string↔bytes promotions, enum
/// defaults for unknown symbols, union branches matched by type and name.
/// </summary>
public static class SchemaResolver
{
    private static readonly ConditionalWeakTable<AvroSchema, ConditionalWeakTable<AvroSchema, ReadPlan>> s_cache = new();

    /// <summary>
    /// The reading plan for <paramref name="writer"/> data read as <paramref name="reader"/>; cached per pair. Throws
    /// <see cref="AvroException"/> listing every incompatibility (naming the field) when the pair cannot be resolved.
    /// </summary>
    public static ReadPlan Resolve(AvroSchema writer, AvroSchema reader)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        var perWriter = s_cache.GetOrCreateValue(writer);
        if (perWriter.TryGetValue(reader, out var cached))
        {
            return cached;
        }

        var builder = new Builder();
        var plan = builder.Build(writer, reader);
        if (builder.Errors.Count > 0)
        {
            throw new AvroException($"Writer schema {writer.DisplayName} cannot be read as reader schema {reader.DisplayName}: {string.Join("; ", builder.Errors)}");
        }

        return perWriter.GetValue(reader, _ => plan);
    }

    /// <summary>Checks whether data written with <paramref name="writer"/> can be read with <paramref name="reader"/>.</summary>
    public static CompatibilityResult Check(AvroSchema writer, AvroSchema reader)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        var builder = new Builder();
        builder.Build(writer, reader);
        return new CompatibilityResult(builder.Errors, builder.Warnings);
    }

    private sealed class Builder
    {
        private readonly Dictionary<(AvroSchema Writer, AvroSchema Reader), ReadPlan> _named = [];
        private readonly List<string> _path = [];

        public List<string> Errors { get; } = [];

        public List<string> Warnings { get; } = [];

        public ReadPlan Build(AvroSchema writer, AvroSchema reader)
        {
            if (writer.Type == AvroType.Union)
            {
                return BuildWriterUnion((UnionSchema)writer, reader);
            }

            if (reader.Type == AvroType.Union)
            {
                var union = (UnionSchema)reader;
                var index = FindBranch(writer, union);
                if (index < 0)
                {
                    return Fail(writer, reader, $"{Where()}writer type {writer.DisplayName} matches no branch of reader union {reader.DisplayName}");
                }

                var plan = new ReadPlan(ReadPlanKind.ReaderUnion, writer, reader)
                {
                    ReaderBranch = index,
                    Inner = Build(writer, union.Branches[index]),
                };
                return plan;
            }

            switch (writer.Type)
            {
                case AvroType.Null:
                case AvroType.Boolean:
                    return reader.Type == writer.Type ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Int:
                    return reader.Type is AvroType.Int or AvroType.Long or AvroType.Float or AvroType.Double ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Long:
                    return reader.Type is AvroType.Long or AvroType.Float or AvroType.Double ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Float:
                    return reader.Type is AvroType.Float or AvroType.Double ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Double:
                    return reader.Type == AvroType.Double ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Bytes:
                case AvroType.String:
                    return reader.Type is AvroType.Bytes or AvroType.String ? Primitive(writer, reader) : Mismatch(writer, reader);
                case AvroType.Fixed:
                    return BuildFixed((FixedSchema)writer, reader);
                case AvroType.Enum:
                    return BuildEnum((EnumSchema)writer, reader);
                case AvroType.Record:
                    return BuildRecord((RecordSchema)writer, reader);
                case AvroType.Array:
                    if (reader is not ArraySchema readerArray)
                    {
                        return Mismatch(writer, reader);
                    }

                    var array = new ReadPlan(ReadPlanKind.Array, writer, reader);
                    _path.Add("[]");
                    array.Items = Build(((ArraySchema)writer).Items, readerArray.Items);
                    _path.RemoveAt(_path.Count - 1);
                    return array;
                case AvroType.Map:
                    if (reader is not MapSchema readerMap)
                    {
                        return Mismatch(writer, reader);
                    }

                    var map = new ReadPlan(ReadPlanKind.Map, writer, reader);
                    _path.Add("{}");
                    map.Items = Build(((MapSchema)writer).Values, readerMap.Values);
                    _path.RemoveAt(_path.Count - 1);
                    return map;
                default:
                    return Mismatch(writer, reader);
            }
        }

        private ReadPlan Primitive(AvroSchema writer, AvroSchema reader)
        {
            if (writer.LogicalType is { Kind: LogicalTypeKind.Decimal } wl && reader.LogicalType is { Kind: LogicalTypeKind.Decimal } rl
                && wl.Scale != rl.Scale)
            {
                return Fail(writer, reader, $"{Where()}writer decimal scale {wl.Scale} differs from reader decimal scale {rl.Scale}");
            }

            var kind = writer.Type switch
            {
                AvroType.Null => ReadPlanKind.Null,
                AvroType.Boolean => ReadPlanKind.Boolean,
                AvroType.Int => ReadPlanKind.Int,
                AvroType.Long => ReadPlanKind.Long,
                AvroType.Float => ReadPlanKind.Float,
                AvroType.Double => ReadPlanKind.Double,
                AvroType.Bytes => ReadPlanKind.Bytes,
                _ => ReadPlanKind.String,
            };
            return new ReadPlan(kind, writer, reader);
        }

        private ReadPlan BuildWriterUnion(UnionSchema writer, AvroSchema reader)
        {
            var plan = new ReadPlan(ReadPlanKind.WriterUnion, writer, reader);
            var branches = new ReadPlan[writer.Branches.Count];
            var readerUnion = reader as UnionSchema;
            for (var i = 0; i < branches.Length; i++)
            {
                var branch = writer.Branches[i];
                if (readerUnion is not null)
                {
                    var index = FindBranch(branch, readerUnion);
                    if (index < 0)
                    {
                        Warnings.Add($"{Where()}writer union branch {branch.DisplayName} matches no branch of reader union {reader.DisplayName}; such values cannot be read");
                        branches[i] = ErrorPlan(branch, reader, $"{Where()}writer union branch {branch.DisplayName} matches no branch of reader union {reader.DisplayName}");
                        continue;
                    }

                    branches[i] = new ReadPlan(ReadPlanKind.ReaderUnion, branch, reader)
                    {
                        ReaderBranch = index,
                        Inner = Build(branch, readerUnion.Branches[index]),
                    };
                }
                else if (ShallowMatch(branch, reader) || Promotable(branch, reader))
                {
                    branches[i] = Build(branch, reader);
                }
                else
                {
                    Warnings.Add($"{Where()}writer union branch {branch.DisplayName} cannot be read as {reader.DisplayName}; such values cannot be read");
                    branches[i] = ErrorPlan(branch, reader, $"{Where()}writer union branch {branch.DisplayName} cannot be read as {reader.DisplayName}");
                }
            }

            plan.BranchArray = branches;
            plan.Branches = branches;
            return plan;
        }

        private ReadPlan BuildFixed(FixedSchema writer, AvroSchema reader)
        {
            if (reader is not FixedSchema readerFixed || !readerFixed.MatchesWriterName(writer.SchemaName))
            {
                return Mismatch(writer, reader);
            }

            if (readerFixed.Size != writer.Size)
            {
                return Fail(writer, reader, $"{Where()}fixed {writer.FullName} has size {writer.Size} in the writer and {readerFixed.Size} in the reader");
            }

            if (writer.LogicalType is { Kind: LogicalTypeKind.Decimal } wl && reader.LogicalType is { Kind: LogicalTypeKind.Decimal } rl
                && wl.Scale != rl.Scale)
            {
                return Fail(writer, reader, $"{Where()}writer decimal scale {wl.Scale} differs from reader decimal scale {rl.Scale}");
            }

            return new ReadPlan(ReadPlanKind.Fixed, writer, reader);
        }

        private ReadPlan BuildEnum(EnumSchema writer, AvroSchema reader)
        {
            if (reader is not EnumSchema readerEnum || !readerEnum.MatchesWriterName(writer.SchemaName))
            {
                return Mismatch(writer, reader);
            }

            var map = new int[writer.Symbols.Count];
            var defaultIndex = readerEnum.Default is null ? -1 : readerEnum.IndexOf(readerEnum.Default);
            for (var i = 0; i < map.Length; i++)
            {
                var index = readerEnum.IndexOf(writer.Symbols[i]);
                if (index < 0)
                {
                    index = defaultIndex;
                    if (index < 0)
                    {
                        Warnings.Add($"{Where()}writer symbol {writer.Symbols[i]} of enum {writer.FullName} is not a reader symbol and the reader enum has no default");
                    }
                }

                map[i] = index;
            }

            var values = new GenericEnum[readerEnum.Symbols.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = new GenericEnum(readerEnum, readerEnum.Symbols[i]);
            }

            return new ReadPlan(ReadPlanKind.Enum, writer, reader) { EnumMapArray = map, EnumMap = map, EnumValues = values };
        }

        private ReadPlan BuildRecord(RecordSchema writer, AvroSchema reader)
        {
            if (reader is not RecordSchema readerRecord || !readerRecord.MatchesWriterName(writer.SchemaName))
            {
                return Mismatch(writer, reader);
            }

            if (_named.TryGetValue((writer, reader), out var existing))
            {
                return existing;
            }

            var plan = new ReadPlan(ReadPlanKind.Record, writer, reader);
            _named[(writer, reader)] = plan;
            var assigned = new bool[readerRecord.Fields.Count];
            var steps = new FieldStep[writer.Fields.Count];
            for (var i = 0; i < steps.Length; i++)
            {
                var writerField = writer.Fields[i];
                var readerField = FindReaderField(readerRecord, writerField);
                if (readerField is null || assigned[readerField.Position])
                {
                    steps[i] = new FieldStep(writerField, null, null);
                    continue;
                }

                assigned[readerField.Position] = true;
                _path.Add(readerField.Name);
                steps[i] = new FieldStep(writerField, readerField, Build(writerField.Schema, readerField.Schema));
                _path.RemoveAt(_path.Count - 1);
            }

            var defaults = new List<FieldDefault>();
            foreach (var readerField in readerRecord.Fields)
            {
                if (assigned[readerField.Position])
                {
                    continue;
                }

                if (readerField.DefaultJson is not { } json)
                {
                    _path.Add(readerField.Name);
                    Errors.Add($"{Where()}reader field has no default and is missing from writer record {writer.FullName}");
                    _path.RemoveAt(_path.Count - 1);
                    continue;
                }

                try
                {
                    defaults.Add(new FieldDefault(
                        readerField,
                        AvroJsonDatum.FromDefault(json, readerField.Schema, convertLogicalTypes: true),
                        AvroJsonDatum.FromDefault(json, readerField.Schema, convertLogicalTypes: false)));
                }
                catch (AvroException ex)
                {
                    _path.Add(readerField.Name);
                    Errors.Add($"{Where()}invalid default: {ex.Reason}");
                    _path.RemoveAt(_path.Count - 1);
                }
            }

            plan.FieldArray = steps;
            plan.Fields = steps;
            plan.DefaultArray = defaults.ToArray();
            plan.Defaults = plan.DefaultArray;
            return plan;
        }

        private static Field? FindReaderField(RecordSchema reader, Field writerField)
        {
            if (reader.TryGetField(writerField.Name, out var field))
            {
                return field;
            }

            foreach (var candidate in reader.Fields)
            {
                foreach (var alias in candidate.Aliases)
                {
                    if (alias == writerField.Name)
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }

        /// <summary>The first reader branch matching the writer type exactly, else the first it promotes to.</summary>
        private static int FindBranch(AvroSchema writer, UnionSchema reader)
        {
            for (var i = 0; i < reader.Branches.Count; i++)
            {
                if (ShallowMatch(writer, reader.Branches[i]))
                {
                    return i;
                }
            }

            for (var i = 0; i < reader.Branches.Count; i++)
            {
                if (Promotable(writer, reader.Branches[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        private static bool ShallowMatch(AvroSchema writer, AvroSchema reader)
        {
            if (writer.Type != reader.Type)
            {
                return false;
            }

            return writer switch
            {
                NamedSchema named => ((NamedSchema)reader).MatchesWriterName(named.SchemaName),
                _ => true,
            };
        }

        private static bool Promotable(AvroSchema writer, AvroSchema reader) => writer.Type switch
        {
            AvroType.Int => reader.Type is AvroType.Long or AvroType.Float or AvroType.Double,
            AvroType.Long => reader.Type is AvroType.Float or AvroType.Double,
            AvroType.Float => reader.Type == AvroType.Double,
            AvroType.String => reader.Type == AvroType.Bytes,
            AvroType.Bytes => reader.Type == AvroType.String,
            _ => false,
        };

        private ReadPlan Mismatch(AvroSchema writer, AvroSchema reader) =>
            Fail(writer, reader, $"{Where()}writer type {writer.DisplayName} cannot be read as reader type {reader.DisplayName}");

        private ReadPlan Fail(AvroSchema writer, AvroSchema reader, string message)
        {
            Errors.Add(message);
            return ErrorPlan(writer, reader, message);
        }

        private static ReadPlan ErrorPlan(AvroSchema writer, AvroSchema reader, string message) =>
            new(ReadPlanKind.Error, writer, reader) { Error = message };

        private string Where() => _path.Count == 0 ? string.Empty : $"field '{string.Join(".", _path)}': ";
    }
}

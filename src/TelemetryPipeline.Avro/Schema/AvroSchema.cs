using System.Text.Json;

namespace TelemetryPipeline.Avro.Schema;

/// <summary>
/// A parsed, immutable Avro schema. Instances are safe to share between threads. Parse with
/// <see cref="Parse(string)"/>; <see cref="CanonicalForm"/> and <see cref="Fingerprint"/> follow the
/// Avro specification's Parsing Canonical Form and CRC-64-AVRO (Rabin) fingerprint.
/// </summary>
public abstract class AvroSchema
{
    private static readonly IReadOnlyDictionary<string, JsonElement> s_noProperties = new Dictionary<string, JsonElement>();
    private string? _canonicalForm;
    private ulong _fingerprint;
    private bool _fingerprintComputed;
    private int _minEncodedSize = -1;

    private protected AvroSchema(AvroLogicalType? logicalType, IReadOnlyDictionary<string, JsonElement>? properties)
    {
        LogicalType = logicalType;
        Properties = properties ?? s_noProperties;
    }

    public abstract AvroType Type { get; }

    /// <summary>The valid logical type annotation, or null.</summary>
    public AvroLogicalType? LogicalType { get; }

    /// <summary>Attributes that are not part of the Avro type definition (custom properties, ignored logical types).</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; }

    /// <summary>The Parsing Canonical Form of this schema.</summary>
    public string CanonicalForm => _canonicalForm ??= SchemaJsonWriter.WriteCanonical(this);

    /// <summary>CRC-64-AVRO fingerprint of <see cref="CanonicalForm"/> (the value used by single-object encoding).</summary>
    public ulong Fingerprint
    {
        get
        {
            // Release/acquire pairing: a reader that sees the flag also sees the value (schemas are shared between threads).
            if (!Volatile.Read(ref _fingerprintComputed))
            {
                _fingerprint = AvroFingerprint.Compute(CanonicalForm);
                Volatile.Write(ref _fingerprintComputed, true);
            }

            return _fingerprint;
        }
    }

    /// <summary>A short human-readable name for messages: a primitive name, a full name, or e.g. <c>array&lt;string&gt;</c>.</summary>
    public abstract string DisplayName { get; }

    /// <summary>The fewest bytes any datum of this schema encodes to; bounds collection sizes before allocating.</summary>
    internal int MinEncodedSize
    {
        get
        {
            if (_minEncodedSize < 0)
            {
                _minEncodedSize = ComputeMinEncodedSize(new HashSet<AvroSchema>(ReferenceEqualityComparer.Instance));
            }

            return _minEncodedSize;
        }
    }

    public static AvroSchema Null { get; } = new PrimitiveSchema(AvroType.Null, null, null);

    public static AvroSchema Boolean { get; } = new PrimitiveSchema(AvroType.Boolean, null, null);

    public static AvroSchema Int { get; } = new PrimitiveSchema(AvroType.Int, null, null);

    public static AvroSchema Long { get; } = new PrimitiveSchema(AvroType.Long, null, null);

    public static AvroSchema Float { get; } = new PrimitiveSchema(AvroType.Float, null, null);

    public static AvroSchema Double { get; } = new PrimitiveSchema(AvroType.Double, null, null);

    public static AvroSchema Bytes { get; } = new PrimitiveSchema(AvroType.Bytes, null, null);

    public static AvroSchema String { get; } = new PrimitiveSchema(AvroType.String, null, null);

    /// <summary>Parses one schema from its JSON text; throws <see cref="AvroException"/> when it is not a valid Avro schema.</summary>
    public static AvroSchema Parse(string json) => new SchemaParser().Parse(json);

    /// <summary>The primitive schema without logical type for a primitive <paramref name="type"/>.</summary>
    public static AvroSchema Primitive(AvroType type) => type switch
    {
        AvroType.Null => Null,
        AvroType.Boolean => Boolean,
        AvroType.Int => Int,
        AvroType.Long => Long,
        AvroType.Float => Float,
        AvroType.Double => Double,
        AvroType.Bytes => Bytes,
        AvroType.String => String,
        _ => throw new ArgumentException($"{type} is not a primitive Avro type.", nameof(type)),
    };

    /// <summary>The full JSON form of this schema (with docs, defaults, aliases, logical types and custom properties).</summary>
    public string ToJson() => SchemaJsonWriter.WriteFull(this);

    public override string ToString() => ToJson();

    internal static bool IsPrimitive(AvroType type) => type <= AvroType.String;

    internal abstract int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress);
}

/// <summary>null, boolean, int, long, float, double, bytes or string, possibly with a logical type.</summary>
public sealed class PrimitiveSchema : AvroSchema
{
    internal PrimitiveSchema(AvroType type, AvroLogicalType? logicalType, IReadOnlyDictionary<string, JsonElement>? properties)
        : base(logicalType, properties)
    {
        Type = type;
    }

    public override AvroType Type { get; }

    public override string DisplayName => LogicalType is null
        ? SchemaNames.PrimitiveName(Type)
        : string.Concat(SchemaNames.PrimitiveName(Type), "/", LogicalType.ToString());

    /// <summary>A primitive schema annotated with <paramref name="logicalType"/> (which must be valid on <paramref name="type"/>).</summary>
    public static PrimitiveSchema WithLogicalType(AvroType type, AvroLogicalType logicalType)
    {
        ArgumentNullException.ThrowIfNull(logicalType);
        if (!IsPrimitive(type) || !logicalType.IsValidOn(type, 0))
        {
            throw new AvroException($"Logical type {logicalType} is not valid on {type}.");
        }

        return new PrimitiveSchema(type, logicalType, null);
    }

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => Type switch
    {
        AvroType.Null => 0,
        AvroType.Float => 4,
        AvroType.Double => 8,
        _ => 1,
    };
}

/// <summary>A record, enum or fixed: a schema with a full name, aliases and documentation.</summary>
public abstract class NamedSchema : AvroSchema
{
    private protected NamedSchema(SchemaName name, IReadOnlyList<SchemaName> aliases, string? doc, AvroLogicalType? logicalType, IReadOnlyDictionary<string, JsonElement>? properties)
        : base(logicalType, properties)
    {
        SchemaName = name;
        AliasNames = aliases;
        Doc = doc;
    }

    public SchemaName SchemaName { get; }

    /// <summary>The unqualified name.</summary>
    public string Name => SchemaName.Name;

    /// <summary>The namespace, or null when the name has none.</summary>
    public string? Namespace => SchemaName.Namespace;

    public string FullName => SchemaName.FullName;

    /// <summary>Alternative full names a reader schema accepts for this type.</summary>
    public IReadOnlyList<SchemaName> AliasNames { get; }

    public string? Doc { get; }

    public override string DisplayName => FullName;

    /// <summary>Whether <paramref name="writerName"/> names this type for schema resolution: same full name, same unqualified name, or an alias.</summary>
    internal bool MatchesWriterName(SchemaName writerName)
    {
        if (writerName.FullName == FullName || writerName.Name == Name)
        {
            return true;
        }

        foreach (var alias in AliasNames)
        {
            if (alias.FullName == writerName.FullName || alias.Name == writerName.Name)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A record: named, ordered fields.</summary>
public sealed class RecordSchema : NamedSchema
{
    private Field[] _fields = [];
    private Dictionary<string, int> _fieldIndex = new(StringComparer.Ordinal);

    public RecordSchema(SchemaName name, IReadOnlyList<SchemaName>? aliases = null, string? doc = null, bool isError = false, IReadOnlyDictionary<string, JsonElement>? properties = null)
        : base(name, aliases ?? [], doc, null, properties)
    {
        IsError = isError;
    }

    public override AvroType Type => AvroType.Record;

    /// <summary>True for Avro <c>error</c> types (records in protocols).</summary>
    public bool IsError { get; }

    public IReadOnlyList<Field> Fields => _fields;

    /// <summary>The field named <paramref name="name"/>; throws <see cref="AvroException"/> when there is none.</summary>
    public Field GetField(string name) =>
        TryGetField(name, out var field) ? field : throw new AvroException($"Record {FullName} has no field '{name}'.");

    public bool TryGetField(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Field? field)
    {
        if (_fieldIndex.TryGetValue(name, out var index))
        {
            field = _fields[index];
            return true;
        }

        field = null;
        return false;
    }

    /// <summary>The position of field <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _fieldIndex.TryGetValue(name, out var index) ? index : -1;

    /// <summary>Sets the fields once; records are created first so that fields may refer to the record itself.</summary>
    public void SetFields(IReadOnlyList<Field> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (_fields.Length != 0 || _fieldIndex.Count != 0)
        {
            throw new InvalidOperationException($"The fields of record {FullName} are already set.");
        }

        var array = new Field[fields.Count];
        var index = new Dictionary<string, int>(fields.Count, StringComparer.Ordinal);
        for (var i = 0; i < array.Length; i++)
        {
            var field = fields[i];
            if (!index.TryAdd(field.Name, i))
            {
                throw new AvroException($"Record {FullName} declares field '{field.Name}' twice.");
            }

            field.Position = i;
            array[i] = field;
        }

        _fields = array;
        _fieldIndex = index;
    }

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress)
    {
        if (!inProgress.Add(this))
        {
            return 0;
        }

        var total = 0;
        foreach (var field in _fields)
        {
            total = (int)Math.Min(int.MaxValue, (long)total + field.Schema.ComputeMinEncodedSize(inProgress));
        }

        inProgress.Remove(this);
        return total;
    }
}

/// <summary>Sort order attribute of a record field (used only for comparison, kept for round-tripping).</summary>
public enum FieldOrder : byte
{
    Ascending,
    Descending,
    Ignore,
}

/// <summary>A field of a record.</summary>
public sealed class Field
{
    public Field(string name, AvroSchema schema, JsonElement? defaultValue = null, string? doc = null, IReadOnlyList<string>? aliases = null, FieldOrder order = FieldOrder.Ascending, IReadOnlyDictionary<string, JsonElement>? properties = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(schema);
        SchemaNames.ValidateName(name, "field name");
        Name = name;
        Schema = schema;
        DefaultJson = defaultValue?.Clone();
        Doc = doc;
        Aliases = aliases ?? [];
        Order = order;
        Properties = properties ?? new Dictionary<string, JsonElement>();
    }

    public string Name { get; }

    public AvroSchema Schema { get; }

    /// <summary>Position in the record, set when the record's fields are set.</summary>
    public int Position { get; internal set; } = -1;

    /// <summary>The default value as written in the schema (JSON), or null when the field has none.</summary>
    public JsonElement? DefaultJson { get; }

    public bool HasDefault => DefaultJson.HasValue;

    public string? Doc { get; }

    public IReadOnlyList<string> Aliases { get; }

    public FieldOrder Order { get; }

    public IReadOnlyDictionary<string, JsonElement> Properties { get; }

    public override string ToString() => $"{Name}: {Schema.DisplayName}";
}

/// <summary>An enumeration of symbols, with an optional default symbol used by readers for unknown writer symbols.</summary>
public sealed class EnumSchema : NamedSchema
{
    private readonly Dictionary<string, int> _index;

    public EnumSchema(SchemaName name, IReadOnlyList<string> symbols, string? defaultSymbol = null, IReadOnlyList<SchemaName>? aliases = null, string? doc = null, IReadOnlyDictionary<string, JsonElement>? properties = null)
        : base(name, aliases ?? [], doc, null, properties)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        _index = new Dictionary<string, int>(symbols.Count, StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            SchemaNames.ValidateName(symbols[i], $"symbol of enum {name.FullName}");
            if (!_index.TryAdd(symbols[i], i))
            {
                throw new AvroException($"Enum {name.FullName} declares symbol '{symbols[i]}' twice.");
            }
        }

        if (defaultSymbol is not null && !_index.ContainsKey(defaultSymbol))
        {
            throw new AvroException($"The default '{defaultSymbol}' of enum {name.FullName} is not one of its symbols.");
        }

        Symbols = symbols.ToArray();
        Default = defaultSymbol;
    }

    public override AvroType Type => AvroType.Enum;

    public IReadOnlyList<string> Symbols { get; }

    /// <summary>The symbol a reader uses for a writer symbol it does not know, or null.</summary>
    public string? Default { get; }

    /// <summary>The index of <paramref name="symbol"/>, or -1.</summary>
    public int IndexOf(string symbol) => _index.TryGetValue(symbol, out var i) ? i : -1;

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => 1;
}

/// <summary>A fixed number of bytes.</summary>
public sealed class FixedSchema : NamedSchema
{
    public FixedSchema(SchemaName name, int size, AvroLogicalType? logicalType = null, IReadOnlyList<SchemaName>? aliases = null, string? doc = null, IReadOnlyDictionary<string, JsonElement>? properties = null)
        : base(name, aliases ?? [], doc, logicalType, properties)
    {
        if (size < 0)
        {
            throw new AvroException($"Fixed {name.FullName} has a negative size {size}.");
        }

        if (logicalType is not null && !logicalType.IsValidOn(AvroType.Fixed, size))
        {
            throw new AvroException($"Logical type {logicalType} is not valid on fixed {name.FullName} of size {size}.");
        }

        Size = size;
    }

    public override AvroType Type => AvroType.Fixed;

    public int Size { get; }

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => Size;
}

/// <summary>An array of items of one schema.</summary>
public sealed class ArraySchema : AvroSchema
{
    public ArraySchema(AvroSchema items, IReadOnlyDictionary<string, JsonElement>? properties = null)
        : base(null, properties)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = items;
    }

    public override AvroType Type => AvroType.Array;

    public AvroSchema Items { get; }

    public override string DisplayName => $"array<{Items.DisplayName}>";

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => 1;
}

/// <summary>A map from string keys to values of one schema.</summary>
public sealed class MapSchema : AvroSchema
{
    public MapSchema(AvroSchema values, IReadOnlyDictionary<string, JsonElement>? properties = null)
        : base(null, properties)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values;
    }

    public override AvroType Type => AvroType.Map;

    public AvroSchema Values { get; }

    public override string DisplayName => $"map<{Values.DisplayName}>";

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => 1;
}

/// <summary>A union of branch schemas; a datum is one branch, encoded with the branch index first.</summary>
public sealed class UnionSchema : AvroSchema
{
    public UnionSchema(IReadOnlyList<AvroSchema> branches)
        : base(null, null)
    {
        ArgumentNullException.ThrowIfNull(branches);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var branch in branches)
        {
            if (branch.Type == AvroType.Union)
            {
                throw new AvroException("A union may not immediately contain another union.");
            }

            var key = branch is NamedSchema named ? named.FullName : SchemaNames.PrimitiveOrComplexName(branch.Type);
            if (!seen.Add(key))
            {
                throw new AvroException($"A union may not contain the type '{key}' twice.");
            }
        }

        Branches = branches.ToArray();
    }

    public override AvroType Type => AvroType.Union;

    public IReadOnlyList<AvroSchema> Branches { get; }

    public override string DisplayName
    {
        get
        {
            var names = new string[Branches.Count];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = Branches[i].DisplayName;
            }

            return "[" + string.Join(",", names) + "]";
        }
    }

    /// <summary>The index of the null branch, or -1.</summary>
    public int NullIndex
    {
        get
        {
            for (var i = 0; i < Branches.Count; i++)
            {
                if (Branches[i].Type == AvroType.Null)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    internal override int ComputeMinEncodedSize(HashSet<AvroSchema> inProgress) => 1;
}

using System.Text;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>
/// A record datum of the generic model, its values in schema field order. Values are: null, bool, int, long, float,
/// double, byte[], string, <see cref="GenericRecord"/>, <see cref="GenericEnum"/>, <see cref="GenericFixed"/>,
/// <see cref="List{T}"/> of values (arrays), <see cref="Dictionary{TKey,TValue}"/> string → value (maps), and for
/// logical types decimal, Guid, DateOnly, TimeSpan (time of day), DateTime (UTC for timestamps, unspecified for
/// local timestamps) and <see cref="AvroDuration"/>.
/// </summary>
public sealed class GenericRecord : IEquatable<GenericRecord>
{
    private readonly object?[] _values;

    public GenericRecord(RecordSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Schema = schema;
        _values = new object?[schema.Fields.Count];
    }

    public RecordSchema Schema { get; }

    public int FieldCount => _values.Length;

    /// <summary>The value at field position <paramref name="index"/>.</summary>
    public object? this[int index]
    {
        get => _values[index];
        set => _values[index] = value;
    }

    /// <summary>The value of field <paramref name="name"/>; throws <see cref="AvroException"/> for an unknown field.</summary>
    public object? this[string name]
    {
        get => _values[IndexOrThrow(name)];
        set => _values[IndexOrThrow(name)] = value;
    }

    public bool TryGetValue(string name, out object? value)
    {
        var index = Schema.IndexOf(name);
        if (index < 0)
        {
            value = null;
            return false;
        }

        value = _values[index];
        return true;
    }

    /// <summary>Sets a field and returns this record, for building records fluently.</summary>
    public GenericRecord With(string name, object? value)
    {
        this[name] = value;
        return this;
    }

    public bool Equals(GenericRecord? other)
    {
        if (other is null || other.Schema.FullName != Schema.FullName || other._values.Length != _values.Length)
        {
            return false;
        }

        for (var i = 0; i < _values.Length; i++)
        {
            if (!GenericDatum.DeepEquals(_values[i], other._values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as GenericRecord);

    public override int GetHashCode() => HashCode.Combine(Schema.FullName, _values.Length);

    public override string ToString()
    {
        var sb = new StringBuilder();
        GenericDatum.Describe(this, sb);
        return sb.ToString();
    }

    private int IndexOrThrow(string name)
    {
        var index = Schema.IndexOf(name);
        return index >= 0 ? index : throw new AvroException($"Record {Schema.FullName} has no field '{name}'.");
    }
}

/// <summary>An enum datum: its symbol (and the schema it belongs to).</summary>
public sealed class GenericEnum : IEquatable<GenericEnum>
{
    public GenericEnum(EnumSchema schema, string symbol)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(symbol);
        var index = schema.IndexOf(symbol);
        if (index < 0)
        {
            throw new AvroException($"'{symbol}' is not a symbol of enum {schema.FullName}.");
        }

        Schema = schema;
        Symbol = symbol;
        Index = index;
    }

    public EnumSchema Schema { get; }

    public string Symbol { get; }

    public int Index { get; }

    public bool Equals(GenericEnum? other) => other is not null && other.Symbol == Symbol && other.Schema.FullName == Schema.FullName;

    public override bool Equals(object? obj) => Equals(obj as GenericEnum);

    public override int GetHashCode() => HashCode.Combine(Schema.FullName, Symbol);

    public override string ToString() => Symbol;
}

/// <summary>A fixed datum: exactly <see cref="FixedSchema.Size"/> bytes.</summary>
public sealed class GenericFixed : IEquatable<GenericFixed>
{
    public GenericFixed(FixedSchema schema, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length != schema.Size)
        {
            throw new AvroException($"Fixed {schema.FullName} needs {schema.Size} bytes, got {value.Length}.");
        }

        Schema = schema;
        Value = value;
    }

    public FixedSchema Schema { get; }

    public byte[] Value { get; }

    public bool Equals(GenericFixed? other) => other is not null && other.Schema.FullName == Schema.FullName && other.Value.AsSpan().SequenceEqual(Value);

    public override bool Equals(object? obj) => Equals(obj as GenericFixed);

    public override int GetHashCode() => HashCode.Combine(Schema.FullName, Value.Length);

    public override string ToString() => Convert.ToHexString(Value);
}

/// <summary>The Avro <c>duration</c> logical type: months, days and milliseconds, each an unsigned 32-bit count.</summary>
public readonly record struct AvroDuration(uint Months, uint Days, uint Milliseconds);

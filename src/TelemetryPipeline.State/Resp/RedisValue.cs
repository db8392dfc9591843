using System.Globalization;
using System.Text;

namespace TelemetryPipeline.State.Resp;

/// <summary>The RESP2 reply types; <see cref="Null"/> covers both the null bulk string and the null array.</summary>
public enum RedisValueKind : byte
{
    Null = 0,
    SimpleString = 1,
    Error = 2,
    Integer = 3,
    BulkString = 4,
    Array = 5,
}

/// <summary>
/// One RESP2 reply: a simple string, an error, an integer, a (binary-safe) bulk string, an array of replies, or null.
/// Errors inside pipelines and arrays are values; <see cref="ThrowIfError"/> turns one into a <see cref="RedisServerException"/>.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private static readonly byte[] s_empty = [];

    // byte[] for strings and errors, RedisValue[] for arrays.
    private readonly object? _payload;
    private readonly long _integer;

    private RedisValue(RedisValueKind kind, object? payload, long integer)
    {
        Kind = kind;
        _payload = payload;
        _integer = integer;
    }

    public static RedisValue Null => default;

    public RedisValueKind Kind { get; }

    public bool IsNull => Kind == RedisValueKind.Null;

    public bool IsError => Kind == RedisValueKind.Error;

    /// <summary>The elements of an array reply (empty for other kinds).</summary>
    public ReadOnlySpan<RedisValue> Items => _payload as RedisValue[];

    /// <summary>The raw bytes of a simple string, bulk string or error (empty for other kinds).</summary>
    public ReadOnlySpan<byte> Bytes => _payload as byte[];

    public static RedisValue SimpleString(byte[] value) => new(RedisValueKind.SimpleString, value ?? s_empty, 0);

    public static RedisValue Error(byte[] message) => new(RedisValueKind.Error, message ?? s_empty, 0);

    public static RedisValue Integer(long value) => new(RedisValueKind.Integer, null, value);

    public static RedisValue BulkString(byte[] value) => new(RedisValueKind.BulkString, value ?? s_empty, 0);

    public static RedisValue BulkString(string value) => BulkString(Encoding.UTF8.GetBytes(value));

    public static RedisValue Array(RedisValue[] items) => new(RedisValueKind.Array, items ?? [], 0);

    /// <summary>The array's elements as an array (a fresh empty one for other kinds).</summary>
    public RedisValue[] ToArray() => _payload as RedisValue[] ?? [];

    /// <summary>The raw bytes of a string or error; null for null and non-string replies.</summary>
    public byte[]? ToBytes() => _payload as byte[];

    /// <summary>The value as UTF-8 text (strings, errors, integers); null for null replies and arrays.</summary>
    public string? AsString() => Kind switch
    {
        RedisValueKind.SimpleString or RedisValueKind.BulkString or RedisValueKind.Error => Encoding.UTF8.GetString((byte[])_payload!),
        RedisValueKind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>An integer reply, or a string reply holding a decimal integer (as HGET returns counters).</summary>
    /// <exception cref="FormatException">The reply is neither.</exception>
    public long AsInt64()
    {
        if (Kind == RedisValueKind.Integer)
        {
            return _integer;
        }

        if (Kind is RedisValueKind.BulkString or RedisValueKind.SimpleString &&
            long.TryParse((byte[])_payload!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
        {
            return parsed;
        }

        throw new FormatException($"Redis reply {this} is not an integer.");
    }

    /// <summary>Returns this value, or throws the <see cref="RedisServerException"/> an error reply stands for.</summary>
    public RedisValue ThrowIfError() => IsError ? throw RedisServerException.FromReply(AsString()!) : this;

    public bool Equals(RedisValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            RedisValueKind.Null => true,
            RedisValueKind.Integer => _integer == other._integer,
            RedisValueKind.Array => Items.Length == other.Items.Length && ItemsEqual(Items, other.Items),
            _ => Bytes.SequenceEqual(other.Bytes),
        };
    }

    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        switch (Kind)
        {
            case RedisValueKind.Integer:
                hash.Add(_integer);
                break;
            case RedisValueKind.Array:
                hash.Add(Items.Length);
                break;
            case RedisValueKind.Null:
                break;
            default:
                hash.AddBytes(Bytes);
                break;
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        RedisValueKind.Null => "(nil)",
        RedisValueKind.Integer => string.Create(CultureInfo.InvariantCulture, $"(integer) {_integer}"),
        RedisValueKind.Error => $"(error) {AsString()}",
        RedisValueKind.Array => string.Create(CultureInfo.InvariantCulture, $"(array of {Items.Length})"),
        _ => $"\"{AsString()}\"",
    };

    private static bool ItemsEqual(ReadOnlySpan<RedisValue> left, ReadOnlySpan<RedisValue> right)
    {
        for (int i = 0; i < left.Length; i++)
        {
            if (!left[i].Equals(right[i]))
            {
                return false;
            }
        }

        return true;
    }
}

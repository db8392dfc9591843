using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace TelemetryPipeline.State.Resp;

/// <summary>
/// Reads RESP2 replies from a span that may end in the middle of one. <see cref="TryReadValue"/> either consumes one
/// whole reply or nothing; after a miss, <see cref="RequiredLength"/> is a lower bound on the buffer length that could
/// complete it, so a caller receiving a large reply in pieces does not re-parse it on every read.
/// </summary>
public ref struct RespReader
{
    /// <summary>Nesting deeper than this is treated as a protocol error (Redis replies nest a few levels at most).</summary>
    public const int MaxDepth = 64;

    /// <summary>Largest bulk string accepted (Redis' own proto-max-bulk-len default).</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    // The shortest possible reply is "+\r\n".
    private const int MinReplyLength = 3;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public RespReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        RequiredLength = 0;
    }

    /// <summary>Bytes consumed by the replies read so far.</summary>
    public readonly int Consumed => _position;

    /// <summary>After <see cref="TryReadValue"/> returned false: the buffer must be at least this long to hold the reply.</summary>
    public long RequiredLength { get; private set; }

    /// <summary>Reads one whole reply, or returns false (consuming nothing) if the buffer ends before it does.</summary>
    /// <exception cref="RedisProtocolException">The bytes are not RESP2.</exception>
    public bool TryReadValue(out RedisValue value)
    {
        int position = _position;
        if (TryRead(ref position, 0, out value, out long required))
        {
            _position = position;
            RequiredLength = 0;
            return true;
        }

        RequiredLength = Math.Max(required, _buffer.Length + 1L);
        return false;
    }

    private readonly bool TryRead(ref int position, int depth, out RedisValue value, out long required)
    {
        value = default;
        if (!TryReadLine(position, out ReadOnlySpan<byte> line, out int next))
        {
            required = _buffer.Length + 1L;
            return false;
        }

        if (line.Length == 0)
        {
            ThrowProtocol("empty reply line");
        }

        byte type = line[0];
        ReadOnlySpan<byte> payload = line[1..];
        switch (type)
        {
            case (byte)'+':
                value = RedisValue.SimpleString(payload.ToArray());
                break;
            case (byte)'-':
                value = RedisValue.Error(payload.ToArray());
                break;
            case (byte)':':
                value = RedisValue.Integer(ParseInteger(payload));
                break;
            case (byte)'$':
                return TryReadBulk(ref position, next, ParseInteger(payload), out value, out required);
            case (byte)'*':
                return TryReadArray(ref position, next, ParseInteger(payload), depth, out value, out required);
            default:
                ThrowProtocol($"unexpected reply type byte 0x{type:X2}");
                break;
        }

        position = next;
        required = 0;
        return true;
    }

    private readonly bool TryReadBulk(ref int position, int next, long length, out RedisValue value, out long required)
    {
        value = default;
        if (length == -1)
        {
            position = next;
            required = 0;
            return true;
        }

        if (length < -1 || length > MaxBulkLength)
        {
            ThrowProtocol($"bulk string length {length}");
        }

        long end = next + length + 2;
        if (end > _buffer.Length)
        {
            required = end;
            return false;
        }

        int len = (int)length;
        if (_buffer[next + len] != (byte)'\r' || _buffer[next + len + 1] != (byte)'\n')
        {
            ThrowProtocol("bulk string not terminated by CRLF");
        }

        value = RedisValue.BulkString(_buffer.Slice(next, len).ToArray());
        position = (int)end;
        required = 0;
        return true;
    }

    private readonly bool TryReadArray(ref int position, int next, long count, int depth, out RedisValue value, out long required)
    {
        value = default;
        if (count == -1)
        {
            position = next;
            required = 0;
            return true;
        }

        if (count < -1 || count > int.MaxValue / MinReplyLength)
        {
            ThrowProtocol($"array length {count}");
        }

        if (depth >= MaxDepth)
        {
            ThrowProtocol($"arrays nested deeper than {MaxDepth}");
        }

        // Do not allocate room for a huge array whose elements cannot all be here yet.
        long minimumEnd = next + (count * MinReplyLength);
        if (minimumEnd > _buffer.Length)
        {
            required = minimumEnd;
            return false;
        }

        var items = count == 0 ? [] : new RedisValue[count];
        int cursor = next;
        for (int i = 0; i < items.Length; i++)
        {
            if (!TryRead(ref cursor, depth + 1, out items[i], out long childRequired))
            {
                required = childRequired + ((items.Length - i - 1L) * MinReplyLength);
                return false;
            }
        }

        value = RedisValue.Array(items);
        position = cursor;
        required = 0;
        return true;
    }

    private readonly bool TryReadLine(int position, out ReadOnlySpan<byte> line, out int next)
    {
        ReadOnlySpan<byte> rest = _buffer[position..];
        int cr = rest.IndexOf((byte)'\r');
        if (cr < 0 || cr + 1 >= rest.Length)
        {
            line = default;
            next = 0;
            return false;
        }

        if (rest[cr + 1] != (byte)'\n')
        {
            ThrowProtocol("CR not followed by LF");
        }

        line = rest[..cr];
        next = position + cr + 2;
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> digits)
    {
        if (!Utf8Parser.TryParse(digits, out long value, out int consumed) || consumed != digits.Length)
        {
            ThrowProtocol($"'{Encoding.ASCII.GetString(digits)}' is not an integer");
        }

        return value;
    }

    [DoesNotReturn]
    private static void ThrowProtocol(string detail) =>
        throw new RedisProtocolException($"Invalid RESP2 reply from the server: {detail}.");
}

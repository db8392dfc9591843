using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace TelemetryPipeline.Avro.Binary;

/// <summary>
/// Reads Avro binary primitives from a span. <c>Try…</c> methods return false on malformed or truncated input and
/// leave the position where the bad value starts (so <see cref="Position"/> names the offset); the plain methods
/// throw <see cref="AvroException"/> with that offset. Lengths are checked against the remaining input before
/// anything is allocated.
/// </summary>
public ref struct AvroReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Reads <paramref name="buffer"/> from <paramref name="start"/>; offsets in errors are relative to the whole buffer.</summary>
    public AvroReader(ReadOnlySpan<byte> buffer, int start = 0)
    {
        if ((uint)start > (uint)buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start));
        }

        _buffer = buffer;
        _position = start;
    }

    /// <summary>The offset of the next byte to read, relative to the start of the buffer.</summary>
    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool End => _position >= _buffer.Length;

    /// <summary>The unread bytes.</summary>
    public readonly ReadOnlySpan<byte> UnreadSpan => _buffer[_position..];

    /// <summary>Zig-zag varint long; at most 10 bytes and no bits beyond 64.</summary>
    public bool TryReadLong(out long value)
    {
        var buffer = _buffer;
        var pos = _position;
        ulong result = 0;
        var shift = 0;
        while (pos < buffer.Length)
        {
            ulong b = buffer[pos++];
            if (shift == 63 && b > 1)
            {
                value = 0;
                return false;
            }

            result |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(result >> 1) ^ -(long)(result & 1);
                _position = pos;
                return true;
            }

            shift += 7;
            if (shift > 63)
            {
                break;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Zig-zag varint int; at most 5 bytes and no bits beyond 32.</summary>
    public bool TryReadInt(out int value)
    {
        var buffer = _buffer;
        var pos = _position;
        uint result = 0;
        var shift = 0;
        while (pos < buffer.Length)
        {
            uint b = buffer[pos++];
            if (shift == 28 && b > 0x0F)
            {
                value = 0;
                return false;
            }

            result |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (int)(result >> 1) ^ -(int)(result & 1);
                _position = pos;
                return true;
            }

            shift += 7;
            if (shift > 28)
            {
                break;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>One byte, 0 or 1; anything else is malformed.</summary>
    public bool TryReadBoolean(out bool value)
    {
        if (_position < _buffer.Length)
        {
            var b = _buffer[_position];
            if (b <= 1)
            {
                _position++;
                value = b == 1;
                return true;
            }
        }

        value = false;
        return false;
    }

    public bool TryReadFloat(out float value)
    {
        if (_buffer.Length - _position >= 4)
        {
            value = BinaryPrimitives.ReadSingleLittleEndian(_buffer[_position..]);
            _position += 4;
            return true;
        }

        value = 0;
        return false;
    }

    public bool TryReadDouble(out double value)
    {
        if (_buffer.Length - _position >= 8)
        {
            value = BinaryPrimitives.ReadDoubleLittleEndian(_buffer[_position..]);
            _position += 8;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>A length-prefixed byte sequence, as a slice of the input (no copy).</summary>
    public bool TryReadBytes(out ReadOnlySpan<byte> value)
    {
        var start = _position;
        if (TryReadLong(out var length) && length >= 0 && length <= _buffer.Length - _position)
        {
            value = _buffer.Slice(_position, (int)length);
            _position += (int)length;
            return true;
        }

        _position = start;
        value = default;
        return false;
    }

    /// <summary>A length-prefixed string's UTF-8 bytes, validated as UTF-8, as a slice of the input.</summary>
    public bool TryReadStringUtf8(out ReadOnlySpan<byte> utf8)
    {
        var start = _position;
        if (TryReadBytes(out utf8) && Utf8.IsValid(utf8))
        {
            return true;
        }

        _position = start;
        utf8 = default;
        return false;
    }

    /// <summary>A length-prefixed UTF-8 string.</summary>
    public bool TryReadString([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (TryReadStringUtf8(out var utf8))
        {
            value = utf8.IsEmpty ? string.Empty : Encoding.UTF8.GetString(utf8);
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Exactly <paramref name="size"/> bytes, as a slice of the input.</summary>
    public bool TryReadFixed(int size, out ReadOnlySpan<byte> value)
    {
        if (size >= 0 && _buffer.Length - _position >= size)
        {
            value = _buffer.Slice(_position, size);
            _position += size;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public bool TrySkip(long count)
    {
        if (count >= 0 && count <= _buffer.Length - _position)
        {
            _position += (int)count;
            return true;
        }

        return false;
    }

    public long ReadLong()
    {
        if (!TryReadLong(out var value))
        {
            ThrowMalformed("long", _position, Remaining);
        }

        return value;
    }

    public int ReadInt()
    {
        if (!TryReadInt(out var value))
        {
            ThrowMalformed("int", _position, Remaining);
        }

        return value;
    }

    public bool ReadBoolean()
    {
        if (!TryReadBoolean(out var value))
        {
            ThrowMalformed("boolean", _position, Remaining);
        }

        return value;
    }

    public float ReadFloat()
    {
        if (!TryReadFloat(out var value))
        {
            ThrowTruncated("float", 4, _position, Remaining);
        }

        return value;
    }

    public double ReadDouble()
    {
        if (!TryReadDouble(out var value))
        {
            ThrowTruncated("double", 8, _position, Remaining);
        }

        return value;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadLength("bytes");
        var value = _buffer.Slice(_position, length);
        _position += length;
        return value;
    }

    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        var start = _position;
        var length = ReadLength("string");
        var value = _buffer.Slice(_position, length);
        if (!Utf8.IsValid(value))
        {
            ThrowInvalidUtf8(start);
        }

        _position += length;
        return value;
    }

    public string ReadString()
    {
        var utf8 = ReadStringUtf8();
        return utf8.IsEmpty ? string.Empty : Encoding.UTF8.GetString(utf8);
    }

    public ReadOnlySpan<byte> ReadFixed(int size)
    {
        if (!TryReadFixed(size, out var value))
        {
            ThrowTruncated("fixed", size, _position, Remaining);
        }

        return value;
    }

    /// <summary>A non-negative length that fits in the remaining input, for bytes and strings.</summary>
    private int ReadLength(string what)
    {
        var start = _position;
        var length = ReadLong();
        if (length < 0)
        {
            ThrowNegativeLength(what, length, start);
        }

        if (length > Remaining)
        {
            ThrowLengthBeyondInput(what, length, Remaining, start);
        }

        return (int)length;
    }

    /// <summary>
    /// Reads an array or map block header: the item count (always non-negative on return) and, for negative counts, the
    /// block's byte size, which is skipped over when the caller does not need the items. A zero count ends the collection.
    /// </summary>
    public long ReadBlockCount(out long byteSize)
    {
        var start = _position;
        var count = ReadLong();
        byteSize = -1;
        if (count < 0)
        {
            if (count == long.MinValue)
            {
                throw new AvroException($"Collection block count {count} cannot be negated", start);
            }

            count = -count;
            var sizeStart = _position;
            byteSize = ReadLong();
            if (byteSize < 0 || byteSize > Remaining)
            {
                throw new AvroException($"Collection block byte size {byteSize} is negative or exceeds the {Remaining} bytes remaining", sizeStart);
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMalformed(string what, int position, int remaining) =>
        throw new AvroException(remaining == 0
            ? $"Input ends where a {what} was expected"
            : $"Malformed {what} (truncated, over-long varint or invalid value)", position);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated(string what, int size, int position, int remaining) =>
        throw new AvroException($"Input ends inside a {what}: {size} bytes needed, {remaining} remaining", position);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegativeLength(string what, long length, int position) =>
        throw new AvroException($"Negative {what} length {length}", position);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthBeyondInput(string what, long length, int remaining, int position) =>
        throw new AvroException($"Declared {what} length {length} exceeds the {remaining} bytes remaining", position);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInvalidUtf8(int position) =>
        throw new AvroException("String is not valid UTF-8", position);
}

using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace TelemetryPipeline.State.Resp;

/// <summary>
/// Command arguments, encoded as RESP bulk strings into a pooled buffer as they are added (no per-argument
/// allocation). Dispose returns the buffer; an instance must stay undisposed until the call using it has completed.
/// </summary>
public sealed class RedisArgs : IDisposable
{
    // "$" + up to 10 digits + CRLF ... CRLF
    private const int MaxOverhead = 1 + 10 + 2 + 2;

    private byte[] _buffer;
    private int _length;
    private int _pendingMax;

    public RedisArgs(int capacityBytes = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacityBytes, 64));
    }

    /// <summary>Number of arguments added.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of the encoded arguments.</summary>
    public int EncodedLength => _length;

    internal ReadOnlySpan<byte> Encoded => _buffer.AsSpan(0, _length);

    /// <summary>Arguments from strings (UTF-8).</summary>
    public static RedisArgs Of(params ReadOnlySpan<string> values)
    {
        var args = new RedisArgs();
        foreach (string value in values)
        {
            args.Add(value);
        }

        return args;
    }

    public RedisArgs Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Add(value.AsSpan());
    }

    /// <summary>Adds text as UTF-8.</summary>
    public RedisArgs Add(ReadOnlySpan<char> value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> target = BeginArgument(max, out int headerAt);
        int written = Encoding.UTF8.GetBytes(value, target);
        EndArgument(headerAt, written);
        return this;
    }

    /// <summary>Adds raw bytes (binary safe).</summary>
    public RedisArgs Add(ReadOnlySpan<byte> value)
    {
        Span<byte> target = BeginArgument(value.Length, out int headerAt);
        value.CopyTo(target);
        EndArgument(headerAt, value.Length);
        return this;
    }

    /// <summary>
    /// Adds an argument of exactly <paramref name="length"/> bytes and returns it to be filled in place (for large
    /// binary arguments built piecewise). Fill it before the next call on this instance.
    /// </summary>
    public Span<byte> AddSpan(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Span<byte> target = BeginArgument(length, out int headerAt);
        EndArgument(headerAt, length);
        return _buffer.AsSpan(_length - 2 - length, length);
    }

    /// <summary>Adds an integer in decimal, as Redis expects numbers.</summary>
    public RedisArgs Add(long value)
    {
        Span<byte> target = BeginArgument(20, out int headerAt);
        Utf8Formatter.TryFormat(value, target, out int written);
        EndArgument(headerAt, written);
        return this;
    }

    /// <summary>Forgets the arguments, keeping the buffer.</summary>
    public void Clear()
    {
        _length = 0;
        Count = 0;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _length = 0;
        Count = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the <c>*count</c> header of a command made of <paramref name="count"/> arguments.</summary>
    internal static int WriteArrayHeader(Span<byte> target, int count)
    {
        target[0] = (byte)'*';
        Utf8Formatter.TryFormat(count, target[1..], out int digits);
        target[1 + digits] = (byte)'\r';
        target[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    /// <summary>Writes one bulk string; returns the bytes written.</summary>
    internal static int WriteBulk(Span<byte> target, ReadOnlySpan<byte> value)
    {
        target[0] = (byte)'$';
        Utf8Formatter.TryFormat(value.Length, target[1..], out int digits);
        int at = 1 + digits;
        target[at++] = (byte)'\r';
        target[at++] = (byte)'\n';
        value.CopyTo(target[at..]);
        at += value.Length;
        target[at++] = (byte)'\r';
        target[at++] = (byte)'\n';
        return at;
    }

    internal static int BulkLength(int valueLength) => valueLength + 5 + CountDigits(valueLength);

    private Span<byte> BeginArgument(int maxValueLength, out int headerAt)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        Ensure(maxValueLength + MaxOverhead);
        headerAt = _length;
        _pendingMax = maxValueLength;

        // The value is written after a header sized for its upper bound and moved back if it came out shorter.
        return _buffer.AsSpan(_length + 1 + CountDigits(maxValueLength) + 2, maxValueLength);
    }

    private void EndArgument(int headerAt, int valueLength)
    {
        Span<byte> buffer = _buffer;
        int valueAt = headerAt + 1 + CountDigits(_pendingMax) + 2;
        int digits = CountDigits(valueLength);
        int finalValueAt = headerAt + 1 + digits + 2;
        if (finalValueAt != valueAt)
        {
            buffer.Slice(valueAt, valueLength).CopyTo(buffer[finalValueAt..]);
        }

        buffer[headerAt] = (byte)'$';
        Utf8Formatter.TryFormat(valueLength, buffer[(headerAt + 1)..], out _);
        buffer[headerAt + 1 + digits] = (byte)'\r';
        buffer[headerAt + 2 + digits] = (byte)'\n';
        int end = finalValueAt + valueLength;
        buffer[end] = (byte)'\r';
        buffer[end + 1] = (byte)'\n';
        _length = end + 2;
        Count++;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    private static int CountDigits(int value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}

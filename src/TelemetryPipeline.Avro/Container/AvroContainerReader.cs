using System.Buffers;
using System.IO.Compression;
using System.Text;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Container;

/// <summary>Limits for reading container files.</summary>
public sealed record AvroContainerOptions
{
    public static AvroContainerOptions Default { get; } = new();

    /// <summary>Largest block accepted, compressed or decompressed. Default 64 MiB.</summary>
    public int MaxBlockBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest header (metadata) accepted. Default 1 MiB.</summary>
    public int MaxHeaderBytes { get; init; } = 1024 * 1024;

    public AvroReaderOptions Datum { get; init; } = AvroReaderOptions.Default;

    public void Validate()
    {
        if (MaxBlockBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBlockBytes), MaxBlockBytes, "MaxBlockBytes must be at least 1024.");
        }

        if (MaxHeaderBytes < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHeaderBytes), MaxHeaderBytes, "MaxHeaderBytes must be at least 64.");
        }

        Datum.Validate();
    }
}

/// <summary>
/// Reads an Avro object container file: the header (schema, codec, sync marker), then blocks of datums, checking each
/// block's sync marker. Datums are resolved against a reader schema when one is given. Throws only
/// <see cref="AvroException"/> for malformed files (and <see cref="IOException"/> from the stream). Not thread-safe.
/// </summary>
public sealed class AvroContainerReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly AvroContainerOptions _options;
    private readonly byte[] _sync;
    private readonly GenericDatumReader _datumReader;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _consumedBefore;

    private AvroContainerReader(Stream stream, AvroSchema? readerSchema, AvroContainerOptions? options, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options ?? AvroContainerOptions.Default;
        _options.Validate();
        _buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            (Metadata, _sync) = ReadHeader();
            if (!Metadata.TryGetValue(AvroContainer.SchemaKey, out var schemaBytes))
            {
                throw new AvroException("Container file header has no avro.schema entry");
            }

            WriterSchema = AvroSchema.Parse(Encoding.UTF8.GetString(schemaBytes));
            var codecName = Metadata.TryGetValue(AvroContainer.CodecKey, out var codecBytes) ? Encoding.UTF8.GetString(codecBytes) : "null";
            if (!AvroContainer.TryParseCodec(codecName, out var codec))
            {
                throw new AvroException($"Container file codec '{codecName}' is not supported (null, deflate)");
            }

            Codec = codec;
            ReaderSchema = readerSchema ?? WriterSchema;
            _datumReader = new GenericDatumReader(SchemaResolver.Resolve(WriterSchema, ReaderSchema), _options.Datum);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            throw;
        }
    }

    public AvroSchema WriterSchema { get; }

    public AvroSchema ReaderSchema { get; }

    public AvroCodec Codec { get; }

    /// <summary>The header metadata, including <c>avro.schema</c> and <c>avro.codec</c>.</summary>
    public IReadOnlyDictionary<string, byte[]> Metadata { get; }

    /// <summary>Opens a container read from the stream's current position; the header is read and checked here.</summary>
    public static AvroContainerReader Open(Stream stream, AvroSchema? readerSchema = null, AvroContainerOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new AvroContainerReader(stream, readerSchema, options, leaveOpen);
    }

    public static AvroContainerReader Open(string path, AvroSchema? readerSchema = null, AvroContainerOptions? options = null) =>
        Open(File.OpenRead(path), readerSchema, options, leaveOpen: false);

    /// <summary>Whether <paramref name="data"/> starts with the container magic <c>Obj 01</c>.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.StartsWith(AvroContainer.Magic);

    /// <summary>Every remaining datum, block by block.</summary>
    public IEnumerable<object?> ReadAll()
    {
        while (TryReadBlock(out var block))
        {
            foreach (var datum in block)
            {
                yield return datum;
            }
        }
    }

    /// <summary>Reads the next block's datums; false at the end of the file.</summary>
    public bool TryReadBlock(out IReadOnlyList<object?> datums)
    {
        datums = [];
        if (!Fill(1))
        {
            return false;
        }

        var blockStart = Position;
        var count = ReadVarLong("block count");
        var size = ReadVarLong("block size");
        if (count < 0 || size < 0 || size > _options.MaxBlockBytes)
        {
            throw new AvroException($"Block header declares {count} datums in {size} bytes; counts and sizes must be non-negative and at most {_options.MaxBlockBytes} bytes", blockStart);
        }

        var dataStart = Position;
        if (!Fill((int)size + AvroContainer.SyncSize))
        {
            throw new AvroException($"File ends inside a block of {size} bytes (block starts at {blockStart})", Position);
        }

        var block = _buffer.AsSpan(_start, (int)size);
        var sync = _buffer.AsSpan(_start + (int)size, AvroContainer.SyncSize);
        if (!sync.SequenceEqual(_sync))
        {
            throw new AvroException("Sync marker after block does not match the header's: the file is corrupt or truncated", dataStart + size);
        }

        datums = Codec == AvroCodec.Deflate
            ? DecodeDatums(Inflate(block, dataStart), count, -1)
            : DecodeDatums(block, count, dataStart);
        Consume((int)size + AvroContainer.SyncSize);
        return true;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private long Position => _consumedBefore + _start;

    private List<object?> DecodeDatums(ReadOnlySpan<byte> data, long count, long fileOffset)
    {
        var minSize = _datumReader.WriterSchema.MinEncodedSize;
        if (minSize > 0 ? count > data.Length / minSize : count > _options.Datum.MaxZeroByteItems)
        {
            throw new AvroException($"Block declares {count} datums but holds only {data.Length} bytes", fileOffset);
        }

        var list = new List<object?>((int)Math.Min(count, 4096));
        var reader = new AvroReader(data);
        try
        {
            for (long i = 0; i < count; i++)
            {
                list.Add(_datumReader.Read(ref reader));
            }
        }
        catch (AvroException ex) when (fileOffset >= 0 && ex.Offset >= 0)
        {
            throw new AvroException(ex.Reason, fileOffset + ex.Offset, ex.FieldPath, ex);
        }

        if (!reader.End)
        {
            throw new AvroException($"Block has {reader.Remaining} bytes left after its {count} datums", fileOffset >= 0 ? fileOffset + reader.Position : -1);
        }

        return list;
    }

    private byte[] Inflate(ReadOnlySpan<byte> compressed, long fileOffset)
    {
        try
        {
            using var input = new MemoryStream(compressed.ToArray(), writable: false);
            using var deflate = new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = deflate.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > _options.MaxBlockBytes)
                {
                    throw new AvroException($"Deflated block expands beyond {_options.MaxBlockBytes} bytes", fileOffset);
                }

                output.Write(chunk, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new AvroException($"Deflated block is corrupt: {ex.Message}", fileOffset, null, ex);
        }
    }

    private (Dictionary<string, byte[]> Metadata, byte[] Sync) ReadHeader()
    {
        if (!Fill(4) || !_buffer.AsSpan(_start, 4).SequenceEqual(AvroContainer.Magic))
        {
            throw new AvroException("Not an Avro object container file: it does not start with 'Obj' 0x01", 0);
        }

        Consume(4);
        var metadata = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (true)
        {
            var count = ReadVarLong("metadata block count");
            if (count == 0)
            {
                break;
            }

            if (count < 0)
            {
                count = count == long.MinValue ? throw new AvroException("Metadata block count is invalid", Position) : -count;
                ReadVarLong("metadata block size");
            }

            for (long i = 0; i < count; i++)
            {
                var key = Encoding.UTF8.GetString(ReadLengthPrefixed("metadata key"));
                metadata[key] = ReadLengthPrefixed($"metadata value of '{key}'");
                if (Position > _options.MaxHeaderBytes)
                {
                    throw new AvroException($"Container header is larger than {_options.MaxHeaderBytes} bytes", Position);
                }
            }
        }

        if (!Fill(AvroContainer.SyncSize))
        {
            throw new AvroException("File ends inside the header's sync marker", Position);
        }

        var sync = _buffer.AsSpan(_start, AvroContainer.SyncSize).ToArray();
        Consume(AvroContainer.SyncSize);
        return (metadata, sync);
    }

    private byte[] ReadLengthPrefixed(string what)
    {
        var start = Position;
        var length = ReadVarLong(what + " length");
        if (length < 0 || length > _options.MaxHeaderBytes)
        {
            throw new AvroException($"The {what} has length {length}, outside 0..{_options.MaxHeaderBytes}", start);
        }

        if (!Fill((int)length))
        {
            throw new AvroException($"File ends inside the {what}", Position);
        }

        var value = _buffer.AsSpan(_start, (int)length).ToArray();
        Consume((int)length);
        return value;
    }

    private long ReadVarLong(string what)
    {
        var start = Position;
        Fill(10);
        var reader = new AvroReader(_buffer.AsSpan(_start, _end - _start));
        if (!reader.TryReadLong(out var value))
        {
            throw new AvroException(_end == _start ? $"File ends where the {what} was expected" : $"Malformed {what}", start);
        }

        Consume(reader.Position);
        return value;
    }

    /// <summary>
    /// Makes at least <paramref name="count"/> unread bytes available if the stream has them. The buffer grows by doubling
    /// as data arrives, so a declared length never allocates much more than the input actually holds.
    /// </summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        // Move the unread bytes to the front so the free space is at the end.
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _consumedBefore += _start;
            _end -= _start;
            _start = 0;
        }

        while (_end < count)
        {
            if (_end == _buffer.Length)
            {
                var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(count, 16), Math.Max(_buffer.Length * 2L, 4096)));
                _buffer.AsSpan(0, _end).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = next;
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    private void Consume(int count) => _start += count;
}

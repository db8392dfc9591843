using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Container;

/// <summary>
/// Writes an Avro object container file: header (magic, metadata with the schema and codec, sync marker), then blocks
/// of datums, each followed by the sync marker. Blocks are written when they reach the sync interval, on
/// <see cref="Flush"/> and on dispose. Not thread-safe.
/// </summary>
public sealed class AvroContainerWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly GenericDatumWriter _datumWriter;
    private readonly AvroCodec _codec;
    private readonly int _syncInterval;
    private readonly byte[] _sync = new byte[AvroContainer.SyncSize];
    private readonly PooledBufferWriter _block = new(4096);
    private long _blockCount;
    private bool _disposed;

    /// <param name="stream">Written from its current position.</param>
    /// <param name="schema">The writer schema, stored in the header.</param>
    /// <param name="codec">Block compression.</param>
    /// <param name="syncInterval">Uncompressed bytes after which a block is closed; 64 KiB by default.</param>
    /// <param name="metadata">Extra header metadata; keys starting with <c>avro.</c> are reserved.</param>
    /// <param name="leaveOpen">Whether disposing leaves <paramref name="stream"/> open.</param>
    public AvroContainerWriter(Stream stream, AvroSchema schema, AvroCodec codec = AvroCodec.Null, int syncInterval = 64 * 1024, IReadOnlyDictionary<string, byte[]>? metadata = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfLessThan(syncInterval, 32);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _codec = codec;
        _syncInterval = syncInterval;
        _datumWriter = new GenericDatumWriter(schema);
        Schema = schema;
        RandomNumberGenerator.Fill(_sync);
        WriteHeader(metadata);
    }

    public AvroSchema Schema { get; }

    /// <summary>Appends one datum of the schema; throws <see cref="AvroException"/> (naming the field) when it does not fit.</summary>
    public void Append(object? datum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var mark = _block.WrittenCount;
        try
        {
            _datumWriter.Write(datum, _block);
        }
        catch
        {
            // Keep the block consistent: drop the partly written datum.
            Truncate(mark);
            throw;
        }

        _blockCount++;
        if (_block.WrittenCount >= _syncInterval)
        {
            WriteBlock();
        }
    }

    /// <summary>Writes the pending block, if any, and flushes the stream.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBlock();
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            WriteBlock();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            _block.Dispose();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private void WriteHeader(IReadOnlyDictionary<string, byte[]>? metadata)
    {
        using var header = new PooledBufferWriter(1024);
        var w = new AvroWriter(header);
        w.WriteFixed(AvroContainer.Magic);
        var entries = new List<KeyValuePair<string, byte[]>>
        {
            new(AvroContainer.SchemaKey, Encoding.UTF8.GetBytes(Schema.ToJson())),
            new(AvroContainer.CodecKey, Encoding.UTF8.GetBytes(AvroContainer.CodecName(_codec))),
        };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key.StartsWith("avro.", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Metadata key '{key}' is reserved for Avro.", nameof(metadata));
                }

                entries.Add(new(key, value));
            }
        }

        w.WriteLong(entries.Count);
        foreach (var (key, value) in entries)
        {
            w.WriteString(key);
            w.WriteBytes(value);
        }

        w.WriteLong(0);
        w.WriteFixed(_sync);
        _stream.Write(header.WrittenSpan);
    }

    private void WriteBlock()
    {
        if (_blockCount == 0)
        {
            return;
        }

        ReadOnlySpan<byte> data = _block.WrittenSpan;
        byte[]? compressed = null;
        if (_codec == AvroCodec.Deflate)
        {
            using var output = new MemoryStream(_block.WrittenCount / 2 + 64);
            using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(data);
            }

            compressed = output.ToArray();
            data = compressed;
        }

        using var prefix = new PooledBufferWriter(32);
        var w = new AvroWriter(prefix);
        w.WriteLong(_blockCount);
        w.WriteLong(data.Length);
        _stream.Write(prefix.WrittenSpan);
        _stream.Write(data);
        _stream.Write(_sync);
        _block.Reset();
        _blockCount = 0;
    }

    private void Truncate(int length)
    {
        if (length == 0)
        {
            _block.Reset();
            return;
        }

        var kept = _block.WrittenSpan[..length].ToArray();
        _block.Reset();
        kept.CopyTo(_block.GetSpan(kept.Length));
        _block.Advance(kept.Length);
    }
}

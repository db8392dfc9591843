using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    /// <summary>
    /// Takes the named, cluster-wide ledger lock (a PostgreSQL session advisory lock, e.g. <c>odoo-posting</c>) if no
    /// other session holds it; null when one does. The lock lives on a connection of its own until the returned handle
    /// is disposed, or until that connection dies with its process — a crashed holder never leaves it stuck.
    /// </summary>
    public async Task<LedgerLock?> TryAcquireLockAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        long key = LedgerLock.KeyOf(name);
        return await ReadAsync(
            async (_, token) =>
            {
                // A dedicated connection, not the pooled one ReadAsync lends: the lock must outlive this call.
                NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                try
                {
                    await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
                    command.Parameters.Add(Param(key));
                    if ((bool)(await command.ExecuteScalarAsync(token).ConfigureAwait(false))!)
                    {
                        return new LedgerLock(name, key, connection);
                    }
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                await connection.DisposeAsync().ConfigureAwait(false);
                return null;
            },
            ct).ConfigureAwait(false);
    }
}

/// <summary>A held ledger lock (see <see cref="LedgerStore.TryAcquireLockAsync"/>); dispose to release it.</summary>
public sealed class LedgerLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private bool _released;

    internal LedgerLock(string name, long key, NpgsqlConnection connection)
    {
        Name = name;
        Key = key;
        _connection = connection;
    }

    public string Name { get; }

    /// <summary>The advisory lock key: the first 8 bytes of SHA-256 of the name, the same in every process.</summary>
    public long Key { get; }

    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", _connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Key });
            await command.ExecuteScalarAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and the lock with it.
        }
        finally
        {
            // Returning the connection to the pool resets the session (DISCARD ALL), which would release it anyway.
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static long KeyOf(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("TelemetryPipeline.Ledger.lock:" + name), hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}

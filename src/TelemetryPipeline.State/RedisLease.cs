using System.Security.Cryptography;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

/// <summary>
/// A named lease in Redis ("settlement runs on one instance at a time"): <c>SET key token NX PX</c> to take it, and
/// compare-token scripts to renew and release it, so an instance whose lease already expired and was taken over can
/// neither extend nor delete the new holder's lease. A lease is a courtesy, not a lock: work done under it must still be
/// idempotent, because a paused holder can outlive its lease.
/// </summary>
public sealed class RedisLease : IAsyncDisposable
{
    private static readonly RedisScript s_renew = new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end");

    private static readonly RedisScript s_release = new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end");

    private readonly IRedisConnection _connection;
    private bool _released;

    private RedisLease(IRedisConnection connection, string key, string token, TimeSpan duration)
    {
        _connection = connection;
        Key = key;
        Token = token;
        Duration = duration;
    }

    /// <summary>The Redis key holding the lease.</summary>
    public string Key { get; }

    /// <summary>This holder's random token (the key's value while the lease is ours).</summary>
    public string Token { get; }

    /// <summary>How long each acquire or renew holds the lease.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Takes the lease if nobody holds it; null when somebody does.</summary>
    public static async Task<RedisLease?> TryAcquireAsync(IRedisConnection connection, string key, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromMilliseconds(1));
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using RedisArgs args = RedisArgs.Of(key, token, "NX", "PX");
        args.Add((long)duration.TotalMilliseconds);
        RedisValue reply = await connection.ExecuteAsync("SET", args, cancellationToken).ConfigureAwait(false);
        return reply.IsNull ? null : new RedisLease(connection, key, token, duration);
    }

    /// <summary>Extends the lease by <see cref="Duration"/> from now; false if it is no longer ours (expired, taken over).</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        using RedisArgs args = RedisArgs.Of(Token);
        args.Add((long)Duration.TotalMilliseconds);
        RedisValue reply = await _connection.EvalShaAsync(s_renew, [Key], args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary>Gives the lease up; false if it was no longer ours.</summary>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken)
    {
        _released = true;
        using RedisArgs args = RedisArgs.Of(Token);
        RedisValue reply = await _connection.EvalShaAsync(s_release, [Key], args, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary>Releases the lease if it was not released explicitly; Redis failures are ignored (the lease then expires).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        try
        {
            await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The lease runs out on its own after Duration.
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

/// <summary>Result of a health probe: whether Redis answered PING, how fast, and why not.</summary>
public sealed record RedisHealth(bool IsHealthy, string Endpoint, TimeSpan Latency, string? Error);

/// <summary>
/// The window state in Redis (see <see cref="RedisKeyspace"/> for the keys). <see cref="ApplyAsync"/> ends in one atomic
/// Lua call per shard the batch touches, which records the event ids, moves meter baselines and adds the bucket
/// contributions together, so replaying a batch after a crash changes nothing. Thread-safe; concurrent calls are
/// pipelined on the connection.
/// </summary>
public sealed partial class RedisTelemetryStore : ITelemetryStore, IAsyncDisposable
{
    private static readonly RedisScript s_readScript =
        RedisScript.FromResource(typeof(RedisTelemetryStore).Assembly, "TelemetryPipeline.State.Scripts.read.lua");

    private static readonly RedisScript s_applyScript =
        RedisScript.FromResource(typeof(RedisTelemetryStore).Assembly, "TelemetryPipeline.State.Scripts.apply.lua");

    private readonly IRedisConnection _connection;
    private readonly bool _ownsConnection;
    private readonly RedisKeyspace _keys;
    private readonly long _dedupeTtlSeconds;
    private readonly long _bucketTtlSeconds;
    private readonly string _proposedLayout;
    private readonly KeyTouchTracker _touches = new();
    private readonly ConcurrentBag<ApplyPlan> _plans = [];
    private readonly TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>A store over a connection the caller owns (and disposes).</summary>
    /// <exception cref="RedisConfigurationException">The options are invalid.</exception>
    public RedisTelemetryStore(IRedisConnection connection, RedisOptions options)
        : this(connection, options, ownsConnection: false)
    {
    }

    private RedisTelemetryStore(IRedisConnection connection, RedisOptions options, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connection = connection;
        _ownsConnection = ownsConnection;
        Options = options;
        _keys = new RedisKeyspace(options.KeyPrefix, options.Shards);

        // Dedupe sets outlive the retention by a day so that a duplicate accepted on the last day still finds its id.
        _dedupeTtlSeconds = (long)(options.DedupeRetention + TimeSpan.FromDays(1)).TotalSeconds;
        _bucketTtlSeconds = (long)options.BucketTtl.TotalSeconds;
        _proposedLayout = LayoutPrefix(options.DedupeSetsPerHour) + "epoch=" + Guid.NewGuid().ToString("N");
    }

    public RedisOptions Options { get; }

    public RedisKeyspace Keys => _keys;

    /// <summary>The Lua scripts <see cref="ApplyAsync"/> runs, read then apply (exposed for diagnostics and preloading).</summary>
    public static IReadOnlyList<RedisScript> ApplyScripts => [s_readScript, s_applyScript];

    /// <summary>Connects to <see cref="RedisOptions.Endpoint"/> and returns a store that owns the connection.</summary>
    /// <exception cref="RedisConnectionException">No connection within <see cref="RedisOptions.ConnectTimeout"/>.</exception>
    public static async Task<RedisTelemetryStore> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        RedisConnection connection = await RedisConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        return new RedisTelemetryStore(connection, options, ownsConnection: true);
    }

    /// <summary>PINGs the server; never throws for Redis failures (they are reported in the result).</summary>
    public async Task<RedisHealth> PingAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            RedisValue reply = await _connection.ExecuteAsync("PING", null, cancellationToken).ConfigureAwait(false);
            TimeSpan latency = Stopwatch.GetElapsedTime(started);
            return reply.AsString() == "PONG"
                ? new RedisHealth(true, _connection.Endpoint, latency, null)
                : new RedisHealth(false, _connection.Endpoint, latency, $"unexpected PING reply {reply}");
        }
        catch (RedisException ex)
        {
            return new RedisHealth(false, _connection.Endpoint, Stopwatch.GetElapsedTime(started), ex.Message);
        }
    }

    /// <summary>The fields of one <c>INFO</c> section (e.g. <c>memory</c>, <c>stats</c>, <c>keyspace</c>).</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetInfoAsync(string section, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(section);
        using RedisArgs args = RedisArgs.Of(section);
        RedisValue reply = await _connection.ExecuteAsync("INFO", args, cancellationToken).ConfigureAwait(false);
        return RedisInfo.Parse(reply.AsString());
    }

    /// <summary><c>used_memory</c> from <c>INFO memory</c>: bytes the server has allocated for data and overhead.</summary>
    public async Task<long> GetUsedMemoryAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> memory = await GetInfoAsync("memory", cancellationToken).ConfigureAwait(false);
        return memory.TryGetValue("used_memory", out string? used)
            ? long.Parse(used, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw new RedisServerException("ERR INFO memory did not report used_memory");
    }

    /// <summary>
    /// Tries to take the named lease (e.g. <c>settlement</c>) for <paramref name="duration"/>; null when another holder
    /// has it. Renew well before it runs out; release when done.
    /// </summary>
    public Task<RedisLease?> TryAcquireLeaseAsync(string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return RedisLease.TryAcquireAsync(_connection, _keys.Lease(name), duration, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

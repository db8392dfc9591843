using System.Globalization;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

/// <summary>
/// Redis connection and key-layout settings (configuration section <c>Redis</c>), validated once at start-up by
/// <see cref="Validate"/>.
/// </summary>
public sealed record RedisOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Redis";

    /// <summary>Most shards: each is one hash-tagged slot and one read plus one apply script call per batch.</summary>
    public const int MaxShards = 1024;

    /// <summary><c>host:port</c> of the Redis server (or of the node owning every shard's slot).</summary>
    public string Endpoint { get; init; } = "127.0.0.1:6379";

    /// <summary>Optional ACL user name for <c>AUTH</c>; only used with <see cref="Password"/>.</summary>
    public string? User { get; init; }

    /// <summary>Optional password for <c>AUTH</c>; supply it through the environment (<c>TP__Redis__Password</c>), never in files.</summary>
    public string? Password { get; init; }

    /// <summary>How long a command waits for a connection (the first one, or a reconnect) before failing.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a sent command waits for its reply. 5 s: a 5,000-event apply script runs in tens of milliseconds, and
    /// Redis itself starts answering BUSY to others once a script runs past its 5 s lua-time-limit.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay between reconnect attempts; doubles (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First part of every key (inside the hash tag <c>{prefix:shard}</c>); lets environments share a server.</summary>
    public string KeyPrefix { get; init; } = "tp";

    /// <summary>
    /// Number of shards identifiers are hashed into. 1 on a single Redis; on Redis Cluster, more shards spread the
    /// slots (each batch then makes one atomic call per shard it touches). Changing it moves identifiers: only change
    /// it on an empty keyspace.
    /// </summary>
    public int Shards { get; init; } = 1;

    /// <summary>
    /// How long an event id is remembered; must match the ingest rule that rejects events older than this
    /// (ALLOCATION-RULES.md: 30 days). Dedupe sets live one day longer.
    /// </summary>
    public TimeSpan DedupeRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Dedupe sets per shard and UTC hour: an event id is filed in set <c>id mod this</c> of its event hour. Choose it
    /// so that a set holds roughly 20 to 500 ids (ids per shard in the busiest hour / 200): then Redis keeps each set as
    /// an intset (8 bytes per id, up to <c>set-max-intset-entries</c>, 512 by default) and the per-key overhead is
    /// spread thin. Recorded in Redis when a shard is first written; a different value afterwards is refused.
    /// </summary>
    public int DedupeSetsPerHour { get; init; } = 256;

    /// <summary>
    /// Time to live of bucket, day-index, meter-baseline and incident keys after their last write (at least this less
    /// a day: a key written by every batch gets its TTL about once a day, see KeyTouchTracker). 70 days: the
    /// 35-day settlement horizon twice over, so every bucket a settlement may recompute is still there.
    /// </summary>
    public TimeSpan BucketTtl { get; init; } = TimeSpan.FromDays(70);

    /// <summary>The host part of <see cref="Endpoint"/>.</summary>
    public string Host => SplitEndpoint(Endpoint).Host;

    /// <summary>The port part of <see cref="Endpoint"/>.</summary>
    public int Port => SplitEndpoint(Endpoint).Port;

    /// <summary>Throws a <see cref="RedisConfigurationException"/> naming the first bad key and its allowed range.</summary>
    public void Validate()
    {
        (string host, int port) = SplitEndpoint(Endpoint);
        if (host.Length == 0 || port is < 1 or > 65535)
        {
            throw Bad(nameof(Endpoint), $"must be host:port, e.g. 127.0.0.1:6379 (got '{Endpoint}')");
        }

        Range(nameof(ConnectTimeout), ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Range(nameof(CommandTimeout), CommandTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        Range(nameof(ReconnectMinDelay), ReconnectMinDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        Range(nameof(ReconnectMaxDelay), ReconnectMaxDelay, ReconnectMinDelay, TimeSpan.FromMinutes(10));
        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Length > 64 ||
            KeyPrefix.AsSpan().IndexOfAny("{}| \t\r\n") >= 0)
        {
            throw Bad(nameof(KeyPrefix), "must be 1 to 64 characters without braces, '|' or whitespace");
        }

        if (Shards is < 1 or > MaxShards)
        {
            throw Bad(nameof(Shards), string.Create(CultureInfo.InvariantCulture, $"must be between 1 and {MaxShards} (got {Shards})"));
        }

        if (DedupeSetsPerHour is < 1 or > 65536)
        {
            throw Bad(nameof(DedupeSetsPerHour), string.Create(CultureInfo.InvariantCulture, $"must be between 1 and 65536 (got {DedupeSetsPerHour})"));
        }

        Range(nameof(DedupeRetention), DedupeRetention, TimeSpan.FromHours(1), TimeSpan.FromDays(365));
        Range(nameof(BucketTtl), BucketTtl, TimeSpan.FromDays(1), TimeSpan.FromDays(3650));
        if (User is not null && Password is null)
        {
            throw Bad(nameof(Password), "must be set when Redis:User is set");
        }
    }

    internal static (string Host, int Port) SplitEndpoint(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return (string.Empty, 0);
        }

        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return (string.Empty, 0);
        }

        return (endpoint[..colon].Trim('[', ']'), port);
    }

    private static void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            throw Bad(key, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max} (got {value})"));
        }
    }

    private static RedisConfigurationException Bad(string key, string rule)
    {
        string fullKey = string.Concat(Section, ":", key);
        return new RedisConfigurationException($"{fullKey} {rule}.") { Key = fullKey };
    }
}

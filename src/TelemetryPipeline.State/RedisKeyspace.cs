using System.Globalization;
using System.Text;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.State;

/// <summary>
/// The key layout. Every key of a shard starts with the hash tag <c>{prefix:shard}</c>, so one script call touches one
/// Redis Cluster slot:
/// <list type="bullet">
/// <item><c>{p:s}:layout</c> STRING: the dedupe set count ids are filed by, and an epoch (written once per shard);</item>
/// <item><c>{p:s}:d:&lt;hour&gt;:&lt;set&gt;</c> dedupe SET of the 64-bit dedupe ids (signed decimal, so Redis keeps them as an
/// intset: 8 bytes each) of events of that hour whose id modulo the dedupe set count is <c>set</c>;</item>
/// <item><c>{p:s}:b:&lt;identifier&gt;:&lt;day&gt;</c> bucket HASH, field <c>slot|measure|project|cost</c>, value the integer amount;</item>
/// <item><c>{p:s}:i:&lt;day&gt;</c> SET of identifiers with buckets that day;</item>
/// <item><c>{p:s}:m:&lt;identifier&gt;</c> meter baselines HASH, field = measure number, value <c>timeMs:reading</c>;</item>
/// <item><c>{p:s}:a:&lt;day&gt;</c> LIST of meter incidents of events of that day.</item>
/// </list>
/// Hours and days count from the Unix epoch (UTC); slot is the 15-minute bucket within the day (0..95).
/// </summary>
public sealed class RedisKeyspace
{
    private readonly string[] _tags;

    public RedisKeyspace(string prefix, int shards)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Prefix = prefix;
        _tags = new string[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            _tags[shard] = string.Create(CultureInfo.InvariantCulture, $"{{{prefix}:{shard}}}");
        }
    }

    public string Prefix { get; }

    public int Shards => _tags.Length;

    /// <summary>
    /// The shard of an identifier: FNV-1a (32-bit) of its UTF-8 bytes modulo the shard count — stable across
    /// processes, machines and .NET versions, unlike <see cref="string.GetHashCode()"/>.
    /// </summary>
    public static int ShardOf(string identifier, int shards)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        if (shards == 1)
        {
            return 0;
        }

        uint hash = 2166136261;
        Span<byte> buffer = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(identifier.Length);
        Span<byte> bytes = max <= buffer.Length ? buffer : new byte[max];
        int length = Encoding.UTF8.GetBytes(identifier, bytes);
        foreach (byte b in bytes[..length])
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)(hash % (uint)shards);
    }

    public int ShardOf(string identifier) => ShardOf(identifier, _tags.Length);

    /// <summary>The hash tag <c>{prefix:shard}</c> every key of the shard starts with.</summary>
    public string Tag(int shard) => _tags[shard];

    /// <summary>The dedupe set of ids of events in UTC hour <paramref name="hour"/> (since the epoch) with id modulo the set count = <paramref name="set"/>.</summary>
    public string Dedupe(int shard, long hour, int set) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tags[shard]}:d:{hour}:{set}");

    /// <summary>The dedupe set an event's id is filed in, given the shard's dedupe set count.</summary>
    public string Dedupe(int shard, in NormalizedEvent e, int setsPerHour) =>
        Dedupe(shard, FloorDiv(e.EventTimeMs, 3_600_000), (int)(e.DedupeId % (ulong)setsPerHour));

    /// <summary>The shard's layout record (dedupe set count and epoch).</summary>
    public string Layout(int shard) => string.Concat(_tags[shard], ":layout");

    public string Bucket(int shard, string identifier, long utcDay) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tags[shard]}:b:{identifier}:{utcDay}");

    public string DayIndex(int shard, long utcDay) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tags[shard]}:i:{utcDay}");

    public string Meter(int shard, string identifier) => string.Concat(_tags[shard], ":m:", identifier);

    public string Incidents(int shard, long utcDay) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tags[shard]}:a:{utcDay}");

    /// <summary>The key of a named lease (not sharded: one key, one slot).</summary>
    public string Lease(string name) => string.Concat(Prefix, ":lease:", name);

    private static long FloorDiv(long a, long b) => (a - (((a % b) + b) % b)) / b;
}

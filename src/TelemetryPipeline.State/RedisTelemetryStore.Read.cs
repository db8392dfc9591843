using System.Text;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

public sealed partial class RedisTelemetryStore
{
    // Bucket hashes read per pipeline round trip by ReadDayAsync.
    private const int ReadChunk = 500;

    /// <summary>
    /// Every bucket cell of the UTC day: the day index of each shard, then the listed bucket hashes in pipelined
    /// round trips of <see cref="ReadChunk"/>. Sorted by identifier, bucket, measure and codes.
    /// </summary>
    public async Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken)
    {
        int shards = _keys.Shards;
        var indexRequests = new RedisRequest[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            indexRequests[shard] = new RedisRequest("SMEMBERS", RedisArgs.Of(_keys.DayIndex(shard, utcDay)));
        }

        RedisValue[] indexes = await ExecuteAndDisposeAsync(indexRequests, cancellationToken).ConfigureAwait(false);
        var identifiers = new List<string>();
        var hashRequests = new List<RedisRequest>();
        for (int shard = 0; shard < shards; shard++)
        {
            foreach (RedisValue member in indexes[shard].ThrowIfError().Items)
            {
                string identifier = member.AsString() ?? string.Empty;
                identifiers.Add(identifier);
                hashRequests.Add(new RedisRequest("HGETALL", RedisArgs.Of(_keys.Bucket(shard, identifier, utcDay))));
            }
        }

        // Read in chunks: one pipeline per chunk stays well inside Redis:CommandTimeout however large the fleet is.
        var hashes = new RedisValue[hashRequests.Count];
        for (int start = 0; start < hashRequests.Count; start += ReadChunk)
        {
            int count = Math.Min(ReadChunk, hashRequests.Count - start);
            RedisValue[] chunk = await ExecuteAndDisposeAsync(hashRequests.GetRange(start, count), cancellationToken).ConfigureAwait(false);
            Array.Copy(chunk, 0, hashes, start, count);
        }

        long dayStart = utcDay * BucketMath.DayMs;
        var entries = new List<BucketEntry>();
        for (int h = 0; h < hashes.Length; h++)
        {
            ReadOnlySpan<RedisValue> pairs = hashes[h].ThrowIfError().Items;
            for (int p = 0; p + 1 < pairs.Length; p += 2)
            {
                if (!StoredRecords.TryParseBucketField(pairs[p].Bytes, out int slot, out Measure measure, out string? project, out string? cost))
                {
                    throw new RedisProtocolException($"Bucket hash of '{identifiers[h]}' on day {utcDay} has an unreadable field {pairs[p]}.");
                }

                entries.Add(new BucketEntry(identifiers[h], dayStart + (slot * BucketMath.BucketMs), measure, project, cost, pairs[p + 1].AsInt64()));
            }
        }

        entries.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Identifier, b.Identifier);
            if (c == 0)
            {
                c = a.BucketStartMs.CompareTo(b.BucketStartMs);
            }

            if (c == 0)
            {
                c = a.Measure.CompareTo(b.Measure);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(a.ProjectCode, b.ProjectCode);
            }

            return c != 0 ? c : string.CompareOrdinal(a.CostCode, b.CostCode);
        });
        return entries;
    }

    /// <summary>Meter incidents recorded for events of the UTC day, in recording order per shard, then by event time.</summary>
    public async Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken)
    {
        int shards = _keys.Shards;
        var requests = new RedisRequest[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            requests[shard] = new RedisRequest("LRANGE", RedisArgs.Of(_keys.Incidents(shard, utcDay), "0", "-1"));
        }

        RedisValue[] lists = await ExecuteAndDisposeAsync(requests, cancellationToken).ConfigureAwait(false);
        var incidents = new List<MeterIncident>();
        foreach (RedisValue list in lists)
        {
            foreach (RedisValue record in list.ThrowIfError().Items)
            {
                if (!StoredRecords.TryParseIncident(record.Bytes, out MeterIncident? incident))
                {
                    throw new RedisProtocolException($"Incident list of day {utcDay} has an unreadable record {Encoding.UTF8.GetString(record.Bytes)}.");
                }

                incidents.Add(incident);
            }
        }

        // A stable sort keeps the recording order of incidents at the same time.
        return [.. incidents.OrderBy(static i => i.EventTimeMs)];
    }

    private async Task<RedisValue[]> ExecuteAndDisposeAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.ExecutePipelineAsync(requests, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (RedisRequest request in requests)
            {
                request.Args?.Dispose();
            }
        }
    }
}

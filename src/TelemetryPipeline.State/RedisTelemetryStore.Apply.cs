using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State;

public sealed partial class RedisTelemetryStore
{
    /// <summary>Largest |time| accepted, in ms (≈ year 37,600): keeps interval lengths below 2^51 for the script's exact arithmetic.</summary>
    public const long MaxAbsTimeMs = 1L << 50;

    /// <summary>Largest |amount| accepted: keeps amounts and meter deltas below 2^53, where Lua's doubles stop being exact.</summary>
    public const long MaxAbsAmount = 1L << 52;

    // c8 dedupe id, B type, B kind, B measure, i8 time, i8 amount, i8 interval start, I4 identifier, I4 code pair.
    private const int EventRecordLength = 8 + 3 + (3 * 8) + (2 * 4);

    /// <summary>
    /// Applies a batch: per shard one atomic <c>EVALSHA</c> (one for the whole batch with the default single shard).
    /// Returns one outcome per event, in input order, and the number of script calls made.
    /// </summary>
    /// <exception cref="ArgumentException">An event breaks the normalizer's contract (empty identifier, undefined enum, value out of range).</exception>
    /// <exception cref="RedisException">Redis failed; retriable failures may be retried with the same batch (replays change nothing).</exception>
    public async Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        int count = events.Count;
        if (count == 0)
        {
            return new ApplyBatchResult([], 0);
        }

        for (int i = 0; i < count; i++)
        {
            CheckContract(events[i], i);
        }

        var outcomes = new EventOutcome[count];
        int shards = _keys.Shards;
        if (shards == 1)
        {
            await ApplyShardAsync(0, events, null, count, outcomes, cancellationToken).ConfigureAwait(false);
            return new ApplyBatchResult(outcomes, 1);
        }

        int[] shardOf = ArrayPool<int>.Shared.Rent(count);
        int[] sizes = new int[shards];
        try
        {
            for (int i = 0; i < count; i++)
            {
                int shard = _keys.ShardOf(events[i].Identifier);
                shardOf[i] = shard;
                sizes[shard]++;
            }

            var members = new int[shards][];
            var filled = new int[shards];
            for (int shard = 0; shard < shards; shard++)
            {
                members[shard] = sizes[shard] == 0 ? [] : new int[sizes[shard]];
            }

            for (int i = 0; i < count; i++)
            {
                int shard = shardOf[i];
                members[shard][filled[shard]++] = i;
            }

            var calls = new List<Task>();
            for (int shard = 0; shard < shards; shard++)
            {
                if (sizes[shard] > 0)
                {
                    calls.Add(ApplyShardAsync(shard, events, members[shard], sizes[shard], outcomes, cancellationToken));
                }
            }

            await Task.WhenAll(calls).ConfigureAwait(false);
            return new ApplyBatchResult(outcomes, calls.Count);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(shardOf);
        }
    }

    private static void CheckContract(in NormalizedEvent e, int index)
    {
        if (string.IsNullOrEmpty(e.Identifier))
        {
            Reject(index, "has an empty Identifier");
        }

        if (e.Type is < RecordType.Usage or > RecordType.Fuel ||
            e.Kind is < ContributionKind.Delta or > ContributionKind.MeterReading ||
            e.Measure is < Measure.OperatingMs or > Measure.FuelFillMl)
        {
            Reject(index, $"has an undefined Type ({e.Type}), Kind ({e.Kind}) or Measure ({e.Measure})");
        }

        if (e.EventTimeMs is < -MaxAbsTimeMs or > MaxAbsTimeMs ||
            (e.Kind == ContributionKind.Delta && e.IntervalStartMs is < -MaxAbsTimeMs or > MaxAbsTimeMs))
        {
            Reject(index, $"has a time beyond ±2^50 ms (EventTimeMs {e.EventTimeMs}, IntervalStartMs {e.IntervalStartMs})");
        }

        if (e.Amount is < -MaxAbsAmount or > MaxAbsAmount)
        {
            Reject(index, $"has an Amount beyond ±2^52 ({e.Amount})");
        }
    }

    [DoesNotReturn]
    private static void Reject(int index, string problem) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"events[{index}] {problem}."), "events");

    private async Task ApplyShardAsync(
        int shard, IReadOnlyList<NormalizedEvent> events, int[]? members, int count, EventOutcome[] outcomes, CancellationToken cancellationToken)
    {
        RedisValue reply;
        using (RedisArgs args = BuildArguments(events, members, count))
        {
            reply = await _connection.EvalShaAsync(s_applyScript, [_keys.Tag(shard)], args, cancellationToken).ConfigureAwait(false);
        }

        ReadOnlySpan<byte> codes = reply.Bytes;
        if (reply.Kind != RedisValueKind.BulkString || codes.Length != count)
        {
            throw new RedisProtocolException(string.Create(
                CultureInfo.InvariantCulture, $"The apply script returned {reply} for {count} events; expected {count} outcome digits."));
        }

        for (int j = 0; j < count; j++)
        {
            int code = codes[j] - '0';
            if (code is < (int)EventOutcome.Applied or > (int)EventOutcome.LateReading)
            {
                throw new RedisProtocolException($"The apply script returned an unknown outcome '{(char)codes[j]}'.");
            }

            outcomes[members is null ? j : members[j]] = (EventOutcome)code;
        }
    }

    /// <summary>Packs a shard's events as the script expects (see Scripts/apply.lua).</summary>
    private RedisArgs BuildArguments(IReadOnlyList<NormalizedEvent> events, int[]? members, int count)
    {
        var identifiers = new Dictionary<string, int>(StringComparer.Ordinal);
        var identifierList = new List<string>();
        var codePairs = new Dictionary<(string Project, string Cost), int>();
        var codePairList = new List<string>();
        int[] identifierOf = ArrayPool<int>.Shared.Rent(count);
        int[] codePairOf = ArrayPool<int>.Shared.Rent(count);
        try
        {
            for (int j = 0; j < count; j++)
            {
                NormalizedEvent e = events[members is null ? j : members[j]];
                if (!identifiers.TryGetValue(e.Identifier, out int identifier))
                {
                    identifierList.Add(e.Identifier);
                    identifier = identifierList.Count;
                    identifiers.Add(e.Identifier, identifier);
                }

                identifierOf[j] = identifier;
                int pair = 0;
                if (!string.IsNullOrEmpty(e.ProjectCode) && !string.IsNullOrEmpty(e.CostCode) &&
                    !codePairs.TryGetValue((e.ProjectCode, e.CostCode), out pair))
                {
                    codePairList.Add(StoredRecords.CodePair(e.ProjectCode, e.CostCode)!);
                    pair = codePairList.Count;
                    codePairs.Add((e.ProjectCode, e.CostCode), pair);
                }

                codePairOf[j] = pair;
            }

            var args = new RedisArgs((count * EventRecordLength) + (identifierList.Count * 40) + (codePairList.Count * 24) + 96);
            args.Add(_dedupeTtlSeconds).Add(_bucketTtlSeconds).Add(identifierList.Count).Add(codePairList.Count);
            foreach (string identifier in identifierList)
            {
                args.Add(identifier);
            }

            foreach (string pair in codePairList)
            {
                args.Add(pair);
            }

            Span<byte> records = args.AddSpan(count * EventRecordLength);
            for (int j = 0; j < count; j++)
            {
                NormalizedEvent e = events[members is null ? j : members[j]];
                EncodeEvent(e, identifierOf[j], codePairOf[j], records.Slice(j * EventRecordLength, EventRecordLength));
            }

            return args;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(identifierOf);
            ArrayPool<int>.Shared.Return(codePairOf);
        }
    }

    private static void EncodeEvent(in NormalizedEvent e, int identifier, int codePair, Span<byte> record)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record, e.DedupeId);
        record[8] = (byte)e.Type;
        record[9] = (byte)e.Kind;
        record[10] = (byte)e.Measure;
        BinaryPrimitives.WriteInt64LittleEndian(record[11..], e.EventTimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(record[19..], e.Amount);
        BinaryPrimitives.WriteInt64LittleEndian(record[27..], e.Kind == ContributionKind.Delta ? e.IntervalStartMs : 0);
        BinaryPrimitives.WriteInt32LittleEndian(record[35..], identifier);
        BinaryPrimitives.WriteInt32LittleEndian(record[39..], codePair);
    }
}

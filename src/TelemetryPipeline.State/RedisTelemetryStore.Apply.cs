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

    /// <summary>Read-decide-write rounds before a batch that keeps conflicting with another writer fails (retriably).</summary>
    private const int MaxApplyAttempts = 8;

    /// <summary>
    /// Applies a batch, per shard in two script calls: <c>read.lua</c> returns which of the batch's ids the dedupe sets
    /// hold and the meter baselines it needs; the events are decided here in order (<see cref="ApplyPlan"/>); then
    /// <c>apply.lua</c> checks atomically that none of that changed and writes everything, or writes nothing and the
    /// round repeats (another writer got there first, e.g. two instances during a rebalance). A batch of duplicates
    /// only needs the read. Returns one outcome per event, in input order, and the number of script calls made.
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
            int calls = await ApplyShardAsync(0, events, null, count, outcomes, cancellationToken).ConfigureAwait(false);
            return new ApplyBatchResult(outcomes, calls);
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

            var calls = new List<Task<int>>();
            for (int shard = 0; shard < shards; shard++)
            {
                if (sizes[shard] > 0)
                {
                    calls.Add(ApplyShardAsync(shard, events, members[shard], sizes[shard], outcomes, cancellationToken));
                }
            }

            int[] perShard = await Task.WhenAll(calls).ConfigureAwait(false);
            return new ApplyBatchResult(outcomes, perShard.Sum());
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

    private async Task<int> ApplyShardAsync(
        int shard, IReadOnlyList<NormalizedEvent> events, int[]? members, int count, EventOutcome[] outcomes, CancellationToken cancellationToken)
    {
        ApplyPlan plan = _plans.TryTake(out ApplyPlan? pooled) ? pooled : new ApplyPlan(_keys, Options.DedupeSetsPerHour);
        try
        {
            plan.Prepare(shard, events, members, count);
            return await ApplyPlanAsync(plan, shard, members, count, outcomes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _plans.Add(plan);
        }
    }

    private async Task<int> ApplyPlanAsync(
        ApplyPlan plan, int shard, int[]? members, int count, EventOutcome[] outcomes, CancellationToken cancellationToken)
    {
        int calls = 0;
        for (int attempt = 1; ; attempt++)
        {
            RedisValue read;
            using (RedisArgs args = plan.ReadArguments(_proposedLayout))
            {
                read = await _connection.EvalShaAsync(s_readScript, [_keys.Tag(shard)], args, cancellationToken).ConfigureAwait(false);
                calls++;
            }

            ReadOnlySpan<RedisValue> parts = read.Items;
            if (read.Kind != RedisValueKind.Array || parts.Length != 3 || parts[0].AsString() is not { } layout)
            {
                throw new RedisProtocolException($"read.lua returned {read}; expected {{layout, flags, baselines}}.");
            }

            CheckLayout(shard, layout);
            plan.Decide(parts[1].Bytes, parts[2].Items);
            if (!plan.NothingToWrite)
            {
                long nowMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
                var touched = new List<string>();
                RedisValue reply;
                using (RedisArgs args = plan.ApplyArguments(layout, _dedupeTtlSeconds, _bucketTtlSeconds, _touches, nowMs, touched))
                {
                    reply = await _connection.EvalShaAsync(s_applyScript, [_keys.Tag(shard)], args, cancellationToken).ConfigureAwait(false);
                    calls++;
                }

                string? answer = reply.AsString();
                if (answer != "OK")
                {
                    if (answer is not null && answer.StartsWith("CONFLICT", StringComparison.Ordinal) && attempt < MaxApplyAttempts)
                    {
                        continue;
                    }

                    throw answer is not null && answer.StartsWith("CONFLICT", StringComparison.Ordinal)
                        ? new RedisServerException(string.Create(CultureInfo.InvariantCulture,
                            $"TRYAGAIN shard {shard}: another writer changed what this batch read {MaxApplyAttempts} times in a row (last: {answer[9..]}); nothing was written, retry the batch."))
                        : new RedisProtocolException($"apply.lua returned {reply}; expected OK or CONFLICT.");
                }

                _touches.Touched(touched, nowMs);
            }

            for (int j = 0; j < count; j++)
            {
                outcomes[members is null ? j : members[j]] = plan.Outcomes[j];
            }

            return calls;
        }
    }

    /// <summary>
    /// The shard's recorded layout must file ids the way this store does; a new epoch means Redis lost the keys the
    /// TTL tracker knew.
    /// </summary>
    private void CheckLayout(int shard, string layout)
    {
        string expected = LayoutPrefix(Options.DedupeSetsPerHour);
        if (!layout.StartsWith(expected, StringComparison.Ordinal))
        {
            throw new RedisConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"Redis:DedupeSetsPerHour is {Options.DedupeSetsPerHour} but shard {shard} ({_keys.Tag(shard)}) was created with \"{layout}\": event ids are filed by that count, so another one would miss duplicates. Set Redis:DedupeSetsPerHour to the recorded count, or use a new Redis:KeyPrefix.")) { Key = "Redis:DedupeSetsPerHour" };
        }

        _touches.ObserveLayout(shard, layout);
    }

    private static string LayoutPrefix(int dedupeSetsPerHour) =>
        string.Create(CultureInfo.InvariantCulture, $"v2 dedupe-sets-per-hour={dedupeSetsPerHour} ");
}

using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.State.Resp;
using static TelemetryPipeline.State.Tests.Events;

namespace TelemetryPipeline.State.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisTelemetryStoreTests(RedisFixture redis)
{
    private const string Machine = "canonical:EX-0042";

    [Fact]
    public async Task ApplyAsync_DeltaOverSeveralBuckets_SpreadsExactlyLikeBucketMath()
    {
        RedisTelemetryStore store = redis.Store();
        long start = Day0 + (10 * Hour) + (7 * Minute) + 13_457;
        long end = start + (47 * Minute) + 999;
        NormalizedEvent e = Delta(Machine, "e1", start, end, 2_000_003);

        ApplyBatchResult result = await store.ApplyAsync([e], CancellationToken.None);

        result.Outcomes.Should().Equal(EventOutcome.Applied);
        result.RedisCalls.Should().Be(2, "one read and one apply");
        var expected = new List<BucketEntry>();
        BucketMath.Spread(e.Amount, start, end, (bucket, part) => expected.Add(new BucketEntry(Machine, bucket, Measure.OperatingMs, null, null, part)));
        expected.Should().HaveCount(4);
        (await store.ReadDayAsync(UtcDay(start), CancellationToken.None)).Should().Equal(expected);
    }

    [Fact]
    public async Task ApplyAsync_DeltaAcrossMidnight_LandsOnBothDays()
    {
        RedisTelemetryStore store = redis.Store();
        long start = Day0 + BucketMath.DayMs - (10 * Minute);
        long end = Day0 + BucketMath.DayMs + (20 * Minute);

        await store.ApplyAsync([Delta(Machine, "e1", start, end, 1_800_000)], CancellationToken.None);

        IReadOnlyList<BucketEntry> first = await store.ReadDayAsync(UtcDay(start), CancellationToken.None);
        IReadOnlyList<BucketEntry> second = await store.ReadDayAsync(UtcDay(end), CancellationToken.None);
        first.Should().Equal(new BucketEntry(Machine, Day0 + BucketMath.DayMs - (15 * Minute), Measure.OperatingMs, null, null, 600_000));
        second.Should().Equal(
            new BucketEntry(Machine, Day0 + BucketMath.DayMs, Measure.OperatingMs, null, null, 900_000),
            new BucketEntry(Machine, Day0 + BucketMath.DayMs + (15 * Minute), Measure.OperatingMs, null, null, 300_000));
    }

    [Fact]
    public async Task ApplyAsync_EmptyInterval_PutsEverythingInBucketOfIntervalStart()
    {
        RedisTelemetryStore store = redis.Store();
        long start = Day0 + (3 * Hour) + (20 * Minute);

        await store.ApplyAsync([Delta(Machine, "e1", start, start - (40 * Minute), 777)], CancellationToken.None);

        (await store.ReadDayAsync(UtcDay(start), CancellationToken.None)).Should().Equal(
            new BucketEntry(Machine, Day0 + (3 * Hour) + (15 * Minute), Measure.OperatingMs, null, null, 777));
    }

    [Theory]
    [InlineData(4_503_599_627_370_496L, 30L * 24 * 3_600_000)]
    [InlineData(123_456_789_012_345L, 7L * 3_600_000 + 12_345)]
    [InlineData(-98_765_432_109L, 5L * 3_600_000 + 1)]
    [InlineData(10_000_000_000L, 2L * 3_600_000 + 7)]
    public async Task ApplyAsync_AmountsBeyondDoublePrecisionProducts_StillMatchBucketMath(long amount, long length)
    {
        // amount × overlap exceeds 2^53 here, where a naive Lua (double) computation rounds.
        RedisTelemetryStore store = redis.Store();
        long start = Day0 + 123_457;
        var model = new ReferenceModel();
        NormalizedEvent e = Delta(Machine, "big", start, start + length, amount);
        model.Apply(e);

        await store.ApplyAsync([e], CancellationToken.None);

        var stored = new Dictionary<(string, long, Measure, string?, string?), long>();
        for (long day = UtcDay(start); day <= UtcDay(start + length); day++)
        {
            foreach (BucketEntry entry in await store.ReadDayAsync(day, CancellationToken.None))
            {
                stored[(entry.Identifier, entry.BucketStartMs, entry.Measure, entry.ProjectCode, entry.CostCode)] = entry.Amount;
            }
        }

        stored.Should().Equal(model.NonZeroCells());
        stored.Values.Sum().Should().Be(amount);
    }

    [Fact]
    public async Task ApplyAsync_Point_LandsWholeInBucketOfEventTime()
    {
        RedisTelemetryStore store = redis.Store();
        long time = Day0 + (5 * Hour) + (44 * Minute) + 59_999;

        await store.ApplyAsync([Point(Machine, "f1", time, 150_000)], CancellationToken.None);

        (await store.ReadDayAsync(UtcDay(time), CancellationToken.None)).Should().Equal(
            new BucketEntry(Machine, Day0 + (5 * Hour) + (30 * Minute), Measure.FuelBurnMl, null, null, 150_000));
    }

    [Fact]
    public async Task ApplyAsync_Codes_KeptOnlyAsPairs()
    {
        RedisTelemetryStore store = redis.Store();
        long time = Day0 + Hour;

        await store.ApplyAsync(
            [
                Point(Machine, "a", time, 1, project: "PRJ-1001", cost: "03-200"),
                Point(Machine, "b", time, 2, project: "PRJ-1001", cost: "03-200"),
                Point(Machine, "c", time, 4, project: "PRJ|odd", cost: "50%"),
                Point(Machine, "d", time, 8, project: "PRJ-1001"),
                Point(Machine, "e", time, 16),
            ],
            CancellationToken.None);

        (await store.ReadDayAsync(UtcDay(time), CancellationToken.None)).Should().BeEquivalentTo(
        [
            new BucketEntry(Machine, time, Measure.FuelBurnMl, null, null, 24),
            new BucketEntry(Machine, time, Measure.FuelBurnMl, "PRJ-1001", "03-200", 3),
            new BucketEntry(Machine, time, Measure.FuelBurnMl, "PRJ|odd", "50%", 4),
        ]);
    }

    [Fact]
    public async Task ApplyAsync_DuplicateWithinBatchAndAcrossBatches_CountsOnce()
    {
        RedisTelemetryStore store = redis.Store();
        long time = Day0 + (2 * Hour);
        NormalizedEvent e = Point(Machine, "same", time, 1000);

        ApplyBatchResult first = await store.ApplyAsync([e, e, Point(Machine, "other", time, 1)], CancellationToken.None);
        ApplyBatchResult second = await store.ApplyAsync([e], CancellationToken.None);

        first.Outcomes.Should().Equal(EventOutcome.Applied, EventOutcome.Duplicate, EventOutcome.Applied);
        second.Outcomes.Should().Equal(EventOutcome.Duplicate);
        (await store.ReadDayAsync(UtcDay(time), CancellationToken.None)).Single().Amount.Should().Be(1001);
    }

    [Fact]
    public async Task ApplyAsync_SameEventIdOfAnotherRecordType_IsNotADuplicate()
    {
        RedisTelemetryStore store = redis.Store();
        long time = Day0 + Hour;
        NormalizedEvent usage = Point(Machine, "x", time, 5, Measure.OperatingMs, RecordType.Usage);
        NormalizedEvent idle = Point(Machine, "x", time, 5, Measure.IdleMs, RecordType.Idle);

        ApplyBatchResult result = await store.ApplyAsync([usage, idle], CancellationToken.None);

        result.Outcomes.Should().Equal(EventOutcome.Applied, EventOutcome.Applied);
    }

    [Fact]
    public async Task ApplyAsync_ReplayOfWholeBatch_IsAllDuplicateAndChangesNothing()
    {
        RedisTelemetryStore store = redis.Store();
        NormalizedEvent[] batch =
        [
            Delta(Machine, "d1", Day0 + Hour, Day0 + Hour + (40 * Minute), 1_000_000),
            Point("serial:S1", "p1", Day0 + Hour, 5_000),
            Reading(Machine, "r1", Day0 + Hour, 1_000_000),
            Reading(Machine, "r2", Day0 + (2 * Hour), 2_000_000),
            Reading(Machine, "r3", Day0 + (90 * Minute), 1_500_000),
            Reading(Machine, "r4", Day0 + (3 * Hour), 10),
        ];
        ApplyBatchResult first = await store.ApplyAsync(batch, CancellationToken.None);
        IReadOnlyList<BucketEntry> before = await store.ReadDayAsync(UtcDay(Day0), CancellationToken.None);
        IReadOnlyList<MeterIncident> incidentsBefore = await store.ReadIncidentsAsync(UtcDay(Day0), CancellationToken.None);

        ApplyBatchResult replay = await store.ApplyAsync(batch, CancellationToken.None);

        first.Outcomes.Should().Equal(
            EventOutcome.Applied, EventOutcome.Applied, EventOutcome.Baseline, EventOutcome.Applied, EventOutcome.LateReading, EventOutcome.Reset);
        replay.Outcomes.Should().AllBeEquivalentTo(EventOutcome.Duplicate);
        (await store.ReadDayAsync(UtcDay(Day0), CancellationToken.None)).Should().Equal(before);
        (await store.ReadIncidentsAsync(UtcDay(Day0), CancellationToken.None)).Should().Equal(incidentsBefore);
    }

    [Fact]
    public async Task ApplyAsync_MeterReadings_FollowTheMeterRules()
    {
        RedisTelemetryStore store = redis.Store();
        const string Fuel = "telematics:T9";
        long t0 = Day0 + (6 * Hour);

        ApplyBatchResult result = await store.ApplyAsync(
            [
                Reading(Machine, "r1", t0, 36_000_000),                              // baseline: 10 h on the meter
                Reading(Machine, "r2", t0 + (30 * Minute), 37_800_000),              // +30 min in 30 min: applied
                Reading(Machine, "r3", t0 + (30 * Minute), 37_900_000),              // same time: late
                Reading(Machine, "r4", t0 + (20 * Minute), 37_000_000),              // earlier: late
                Reading(Machine, "r5", t0 + (40 * Minute), 38_800_000),              // +1,000,000 ms in 600,000 ms: anomaly
                Reading(Machine, "r6", t0 + (50 * Minute), 100),                     // lower: reset
                Reading(Machine, "r7", t0 + (60 * Minute), 600_100),                 // +600,000 in 600,000: applied
                Reading(Machine, "i1", t0, 5_000, Measure.IdleMs, RecordType.Idle),  // other measure: own baseline
                Reading(Fuel, "f1", t0, 1_000_000, Measure.FuelBurnMl, RecordType.Fuel),
                Reading(Fuel, "f2", t0 + Hour, 3_000_000, Measure.FuelBurnMl, RecordType.Fuel), // +2,000 L: applied (not above)
                Reading(Fuel, "f3", t0 + (2 * Hour), 5_000_001, Measure.FuelBurnMl, RecordType.Fuel), // +2,000.001 L: anomaly
            ],
            CancellationToken.None);

        result.Outcomes.Should().Equal(
            EventOutcome.Baseline, EventOutcome.Applied, EventOutcome.LateReading, EventOutcome.LateReading, EventOutcome.Anomaly,
            EventOutcome.Reset, EventOutcome.Applied, EventOutcome.Baseline, EventOutcome.Baseline, EventOutcome.Applied, EventOutcome.Anomaly);

        IReadOnlyList<BucketEntry> buckets = await store.ReadDayAsync(UtcDay(t0), CancellationToken.None);
        buckets.Where(b => b.Identifier == Machine).Should().Equal(
            new BucketEntry(Machine, t0, Measure.OperatingMs, null, null, 900_000),
            new BucketEntry(Machine, t0 + (15 * Minute), Measure.OperatingMs, null, null, 900_000),
            new BucketEntry(Machine, t0 + (45 * Minute), Measure.OperatingMs, null, null, 600_000));
        buckets.Where(b => b.Identifier == Fuel).Sum(b => b.Amount).Should().Be(2_000_000);

        IReadOnlyList<MeterIncident> incidents = await store.ReadIncidentsAsync(UtcDay(t0), CancellationToken.None);
        incidents.Should().BeEquivalentTo(
        [
            new MeterIncident(Machine, Measure.OperatingMs, EventOutcome.LateReading, t0 + (30 * Minute), t0 + (30 * Minute), 37_800_000, 37_900_000, 0),
            new MeterIncident(Machine, Measure.OperatingMs, EventOutcome.LateReading, t0 + (20 * Minute), t0 + (30 * Minute), 37_800_000, 37_000_000, 0),
            new MeterIncident(Machine, Measure.OperatingMs, EventOutcome.Anomaly, t0 + (40 * Minute), t0 + (30 * Minute), 37_800_000, 38_800_000, 1_000_000),
            new MeterIncident(Machine, Measure.OperatingMs, EventOutcome.Reset, t0 + (50 * Minute), t0 + (40 * Minute), 38_800_000, 100, 0),
            new MeterIncident(Fuel, Measure.FuelBurnMl, EventOutcome.Anomaly, t0 + (2 * Hour), t0 + Hour, 3_000_000, 5_000_001, 2_000_001),
        ]);
    }

    [Fact]
    public async Task ApplyAsync_MeterBaselineAcrossBatches_PersistsInRedis()
    {
        RedisTelemetryStore store = redis.Store();
        long t0 = Day0 + (8 * Hour);

        ApplyBatchResult first = await store.ApplyAsync([Reading(Machine, "r1", t0, 1_000)], CancellationToken.None);
        ApplyBatchResult second = await store.ApplyAsync([Reading(Machine, "r2", t0 + (15 * Minute), 901_000)], CancellationToken.None);

        first.Outcomes.Should().Equal(EventOutcome.Baseline);
        second.Outcomes.Should().Equal(EventOutcome.Applied);
        (await store.ReadDayAsync(UtcDay(t0), CancellationToken.None)).Should().Equal(
            new BucketEntry(Machine, t0, Measure.OperatingMs, null, null, 900_000));
    }

    [Fact]
    public async Task ApplyAsync_SeveralShards_TwoCallsPerShardAndOutcomesInInputOrder()
    {
        RedisTelemetryStore store = redis.Store(shards: 4);
        long time = Day0 + Hour;
        var events = new List<NormalizedEvent>();
        for (int i = 0; i < 40; i++)
        {
            events.Add(Point($"serial:{i % 10}", $"e{i}", time, i + 1));
        }

        events.Add(events[3]);
        var shardsTouched = events.Select(e => store.Keys.ShardOf(e.Identifier)).Distinct().Count();

        ApplyBatchResult result = await store.ApplyAsync(events, CancellationToken.None);

        shardsTouched.Should().BeGreaterThan(1, "ten identifiers spread over four shards");
        result.RedisCalls.Should().Be(2 * shardsTouched, "one read and one apply per shard");
        result.Outcomes.Should().HaveCount(41);
        result.Outcomes[..40].Should().AllBeEquivalentTo(EventOutcome.Applied);
        result.Outcomes[40].Should().Be(EventOutcome.Duplicate);
        IReadOnlyList<BucketEntry> day = await store.ReadDayAsync(UtcDay(time), CancellationToken.None);
        day.Should().HaveCount(10);
        day.Sum(b => b.Amount).Should().Be(40 * 41 / 2);
        day.Single(b => b.Identifier == "serial:3").Amount.Should().Be(4 + 14 + 24 + 34);
    }

    [Fact]
    public async Task ApplyAsync_FiveThousandEvents_TwoScriptCalls()
    {
        RedisTelemetryStore store = redis.Store();
        var events = new NormalizedEvent[5000];
        for (int i = 0; i < events.Length; i++)
        {
            long end = Day0 + (i * 7_919L);
            events[i] = Delta($"serial:{i % 250}", $"e{i}", end - (10 * Minute), end, 600_000);
        }

        ApplyBatchResult result = await store.ApplyAsync(events, CancellationToken.None);

        result.RedisCalls.Should().Be(2, "one read and one apply");
        result.Outcomes.Should().HaveCount(5000).And.AllBeEquivalentTo(EventOutcome.Applied);
        long total = 0;
        for (long day = UtcDay(Day0 - Hour); day <= UtcDay(Day0 + (5000 * 7_919L)); day++)
        {
            total += (await store.ReadDayAsync(day, CancellationToken.None)).Sum(b => b.Amount);
        }

        total.Should().Be(5000L * 600_000);
    }

    [Fact]
    public async Task ApplyAsync_AfterScriptFlush_ReloadsScriptAndApplies()
    {
        RedisTelemetryStore store = redis.Store();
        await store.ApplyAsync([Point(Machine, "a", Day0, 1)], CancellationToken.None);
        using (var flush = RedisArgs.Of("FLUSH"))
        {
            await redis.Connection.ExecuteAsync("SCRIPT", flush, CancellationToken.None);
        }

        ApplyBatchResult result = await store.ApplyAsync([Point(Machine, "b", Day0, 2), Point(Machine, "a", Day0, 1)], CancellationToken.None);

        result.Outcomes.Should().Equal(EventOutcome.Applied, EventOutcome.Duplicate);
        (await store.ReadDayAsync(UtcDay(Day0), CancellationToken.None)).Single().Amount.Should().Be(3);
    }

    [Fact]
    public async Task ApplyAsync_Keys_HaveTtlsAndDedupeSetsAreIntsets()
    {
        RedisOptions options = redis.Options();
        var store = new RedisTelemetryStore(redis.Connection, options);
        long time = Day0 + Hour;
        var events = new List<NormalizedEvent> { Reading(Machine, "r0", time - Hour, 0), Reading(Machine, "r1", time, 3 * Hour) };
        for (int i = 0; i < 500; i++)
        {
            events.Add(Point(Machine, $"e{i}", time + i, 1));
        }

        await store.ApplyAsync(events, CancellationToken.None);

        RedisKeyspace keys = store.Keys;
        string dedupe = keys.Dedupe(0, events[5], options.DedupeSetsPerHour);
        (await Ttl(dedupe)).Should().BeCloseTo((long)TimeSpan.FromDays(31).TotalSeconds, 60);
        (await Ttl(keys.Bucket(0, Machine, UtcDay(time)))).Should().BeCloseTo((long)TimeSpan.FromDays(70).TotalSeconds, 60);
        (await Ttl(keys.DayIndex(0, UtcDay(time)))).Should().BeCloseTo((long)TimeSpan.FromDays(70).TotalSeconds, 60);
        (await Ttl(keys.Meter(0, Machine))).Should().BeCloseTo((long)TimeSpan.FromDays(70).TotalSeconds, 60);
        (await Ttl(keys.Incidents(0, UtcDay(time)))).Should().BeCloseTo((long)TimeSpan.FromDays(70).TotalSeconds, 60);
        using var encoding = RedisArgs.Of("ENCODING", dedupe);
        (await redis.Connection.ExecuteAsync("OBJECT", encoding, CancellationToken.None)).AsString().Should().Be("intset");
        long filed = 0;
        for (int set = 0; set < options.DedupeSetsPerHour; set++)
        {
            using var length = RedisArgs.Of(keys.Dedupe(0, BucketMath.UtcDay(time) * 24 + 1, set));
            filed += (await redis.Connection.ExecuteAsync("SCARD", length, CancellationToken.None)).AsInt64();
        }

        filed.Should().Be(501, "the 500 points and the second reading are in the same hour; the first reading is an hour earlier");
    }

    [Fact]
    public async Task ApplyAsync_DedupeMember_IsTheIdAsSignedDecimalInItsHourAndSet()
    {
        RedisTelemetryStore store = redis.Store();
        NormalizedEvent e = Point(Machine, "raw", Day0, 1);

        await store.ApplyAsync([e], CancellationToken.None);

        string key = store.Keys.Dedupe(0, BucketMath.UtcDay(Day0) * 24, (int)(e.DedupeId % (ulong)store.Options.DedupeSetsPerHour));
        using var args = RedisArgs.Of(key, unchecked((long)e.DedupeId).ToString(CultureInfo.InvariantCulture));
        (await redis.Connection.ExecuteAsync("SISMEMBER", args, CancellationToken.None)).AsInt64().Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_LayoutRecordedWithAnotherSetCount_IsRefusedNamingTheKey()
    {
        RedisOptions options = redis.Options();
        await new RedisTelemetryStore(redis.Connection, options).ApplyAsync([Point(Machine, "a", Day0, 1)], CancellationToken.None);
        var other = new RedisTelemetryStore(redis.Connection, options with { DedupeSetsPerHour = 128 });

        Func<Task> apply = () => other.ApplyAsync([Point(Machine, "b", Day0, 1)], CancellationToken.None);

        (await apply.Should().ThrowAsync<RedisConfigurationException>()).Which.Message.Should()
            .Contain("Redis:DedupeSetsPerHour is 128").And.Contain("dedupe-sets-per-hour=256");
    }

    [Fact]
    public async Task ApplyAsync_AnotherWriterMarkedAnIdBetweenReadAndApply_RetriesAndCountsOnce()
    {
        RedisOptions options = redis.Options();
        var store = new RedisTelemetryStore(redis.Connection, options);
        var racer = new RedisTelemetryStore(redis.Connection, options);
        NormalizedEvent e = Point(Machine, "raced", Day0, 5);
        var connection = new InterleavingConnection(redis.Connection, () => racer.ApplyAsync([e], CancellationToken.None));
        var raced = new RedisTelemetryStore(connection, options);

        ApplyBatchResult result = await raced.ApplyAsync([e, Point(Machine, "other", Day0, 1)], CancellationToken.None);

        result.Outcomes.Should().Equal(EventOutcome.Duplicate, EventOutcome.Applied);
        result.RedisCalls.Should().Be(4, "read, a conflicting apply that wrote nothing, read again, apply");
        (await store.ReadDayAsync(UtcDay(Day0), CancellationToken.None)).Single().Amount.Should().Be(6);
    }

    [Fact]
    public async Task ApplyAsync_EmptyBatch_MakesNoCall()
    {
        ApplyBatchResult result = await redis.Store().ApplyAsync([], CancellationToken.None);

        result.Outcomes.Should().BeEmpty();
        result.RedisCalls.Should().Be(0);
    }

    [Fact]
    public async Task ApplyAsync_ContractViolation_ThrowsNamingTheEvent()
    {
        RedisTelemetryStore store = redis.Store();
        NormalizedEvent good = Point(Machine, "a", Day0, 1);

        Func<Task> emptyIdentifier = () => store.ApplyAsync([good, good with { Identifier = "" }], CancellationToken.None);
        Func<Task> hugeAmount = () => store.ApplyAsync([good with { Amount = long.MaxValue }], CancellationToken.None);
        Func<Task> badKind = () => store.ApplyAsync([good with { Kind = (ContributionKind)9 }], CancellationToken.None);

        (await emptyIdentifier.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("events[1]");
        await hugeAmount.Should().ThrowAsync<ArgumentException>();
        await badKind.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task ReadDayAsync_DayWithoutData_ReturnsEmpty()
    {
        (await redis.Store(shards: 3).ReadDayAsync(12345, CancellationToken.None)).Should().BeEmpty();
        (await redis.Store().ReadIncidentsAsync(12345, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task PingAsync_ServerUp_IsHealthyAndUsedMemoryIsReported()
    {
        RedisTelemetryStore store = redis.Store();

        RedisHealth health = await store.PingAsync(CancellationToken.None);
        long used = await store.GetUsedMemoryAsync(CancellationToken.None);

        health.IsHealthy.Should().BeTrue();
        health.Error.Should().BeNull();
        health.Endpoint.Should().Be(redis.Server.Endpoint);
        used.Should().BeGreaterThan(100_000);
    }

    private async Task<long> Ttl(string key)
    {
        using var args = RedisArgs.Of(key);
        return (await redis.Connection.ExecuteAsync("TTL", args, CancellationToken.None)).AsInt64();
    }

    /// <summary>Forwards to a real connection, running <paramref name="between"/> once just before the second script call (the apply after the first read).</summary>
    private sealed class InterleavingConnection(IRedisConnection inner, Func<Task> between) : IRedisConnection
    {
        private int _scripts;

        public string Endpoint => inner.Endpoint;

        public Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken) =>
            inner.ExecuteAsync(command, args, cancellationToken);

        public Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken) =>
            inner.ExecutePipelineAsync(requests, cancellationToken);

        public async Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken)
        {
            if (++_scripts == 2)
            {
                await between();
            }

            return await inner.EvalShaAsync(script, keys, args, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

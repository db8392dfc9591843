using TelemetryPipeline.Domain;
using static TelemetryPipeline.State.Tests.Events;

namespace TelemetryPipeline.State.Tests;

/// <summary>
/// Invariants over random event streams: the store agrees with <see cref="ReferenceModel"/> (BucketMath.Spread and the
/// meter rules in C#), and re-applying any prefix of what was applied changes nothing.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ApplyPropertyTests(RedisFixture redis)
{
    private static readonly Measure[] s_deltaMeasures = [Measure.OperatingMs, Measure.IdleMs, Measure.FuelBurnMl, Measure.FuelFillMl];

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 7)]
    [InlineData(5, 1)]
    public async Task ApplyAsync_RandomStreamInRandomBatches_MatchesReferenceAndReplaysChangeNothing(int seed, int shards)
    {
        var random = new Random(seed);
        RedisTelemetryStore store = redis.Store(shards);
        List<NormalizedEvent> stream = RandomStream(random, 1500);
        var model = new ReferenceModel();
        var applied = new List<NormalizedEvent>();

        int at = 0;
        while (at < stream.Count)
        {
            int size = Math.Min(stream.Count - at, random.Next(1, 400));
            List<NormalizedEvent> batch = stream.GetRange(at, size);
            at += size;

            ApplyBatchResult result = await store.ApplyAsync(batch, CancellationToken.None);

            var expected = batch.Select(model.Apply).ToArray();
            result.Outcomes.Should().Equal(expected, $"seed {seed}: outcomes of the batch at {at - size}");
            applied.AddRange(batch);

            // Replay a random prefix of everything applied so far (as after a crash before the offset commit).
            List<NormalizedEvent> replay = applied.GetRange(0, random.Next(1, applied.Count + 1));
            ApplyBatchResult again = await store.ApplyAsync(replay, CancellationToken.None);
            again.Outcomes.Should().AllBeEquivalentTo(EventOutcome.Duplicate, $"seed {seed}: a replay counts nothing");
        }

        (await ReadAllCells(store)).Should().Equal(model.NonZeroCells(), $"seed {seed}: buckets");
        (await ReadAllIncidents(store)).Should().BeEquivalentTo(model.Incidents, $"seed {seed}: incidents");
    }

    [Fact]
    public async Task ApplyAsync_DeltaEventsOnly_BucketTotalsEqualBucketMathRecomputation()
    {
        var random = new Random(42);
        RedisTelemetryStore store = redis.Store();
        var events = new List<NormalizedEvent>();
        for (int i = 0; i < 3000; i++)
        {
            long end = Day0 + random.NextInt64(0, 2 * BucketMath.DayMs);
            long length = random.Next(4) switch
            {
                0 => 0,
                1 => random.NextInt64(1, 15 * Minute),
                2 => random.NextInt64(1, 3 * Hour),
                _ => random.NextInt64(1, 26 * Hour),
            };
            long amount = random.Next(3) == 0 ? random.NextInt64(0, 1L << 52) : random.NextInt64(0, length + 1);
            events.Add(Delta($"serial:{random.Next(20)}", $"d{i}", end - length, end, amount, s_deltaMeasures[random.Next(4)], RecordType.Usage));
        }

        await store.ApplyAsync(events, CancellationToken.None);

        var expected = new Dictionary<(string, long, Measure, string?, string?), long>();
        foreach (NormalizedEvent e in events)
        {
            BucketMath.Spread(e.Amount, e.IntervalStartMs, e.EventTimeMs, (bucket, part) =>
            {
                var key = (e.Identifier, bucket, e.Measure, (string?)null, (string?)null);
                expected[key] = expected.GetValueOrDefault(key) + part;
            });
        }

        (await ReadAllCells(store)).Should().Equal(expected.Where(c => c.Value != 0).ToDictionary(c => c.Key, c => c.Value));
    }

    private static List<NormalizedEvent> RandomStream(Random random, int count)
    {
        string[] identifiers = [.. Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? $"canonical:EX-{i}" : $"serial:S{i}")];
        (string?, string?)[] codes = [(null, null), (null, null), ("PRJ-1", "03-200"), ("PRJ-2", "01-100"), ("PRJ-1", null)];
        var stream = new List<NormalizedEvent>();
        var meterTime = new Dictionary<(string, Measure), (long Time, long Reading)>();
        for (int i = 0; i < count; i++)
        {
            string identifier = identifiers[random.Next(identifiers.Length)];
            long time = Day0 + random.NextInt64(0, 3 * BucketMath.DayMs);
            (string? project, string? cost) = codes[random.Next(codes.Length)];
            NormalizedEvent e;
            switch (random.Next(10))
            {
                case < 4:
                    long length = random.NextInt64(0, 2 * Hour);
                    e = Delta(identifier, $"d{i}", time - length, time, random.NextInt64(0, length + 1), s_deltaMeasures[random.Next(4)], RecordType.Usage, project, cost);
                    break;
                case < 6:
                    e = Point(identifier, $"p{i}", time, random.NextInt64(1, 500_000), project: project, cost: cost);
                    break;
                default:
                    Measure measure = random.Next(3) switch { 0 => Measure.OperatingMs, 1 => Measure.IdleMs, _ => Measure.FuelBurnMl };
                    var key = (identifier, measure);
                    (long lastTime, long lastReading) = meterTime.GetValueOrDefault(key, (Day0, 1_000_000));
                    long step = random.NextInt64(-30 * Minute, 3 * Hour);
                    long readingTime = lastTime + step;
                    long reading = random.Next(12) switch
                    {
                        0 => random.NextInt64(0, lastReading + 1),                 // reset (or equal)
                        1 => lastReading + Math.Max(step, 0) + random.NextInt64(1, 3_000_000), // anomaly
                        _ => lastReading + random.NextInt64(0, Math.Max(step, 0) + 1),
                    };
                    meterTime[key] = (Math.Max(readingTime, lastTime), reading);
                    RecordType type = measure switch { Measure.OperatingMs => RecordType.Usage, Measure.IdleMs => RecordType.Idle, _ => RecordType.Fuel };
                    e = Reading(identifier, $"m{i}", readingTime, reading, measure, type);
                    break;
            }

            stream.Add(e);

            // Some duplicates, near and far.
            if (random.Next(8) == 0)
            {
                stream.Add(stream[random.Next(stream.Count)]);
            }
        }

        return stream;
    }

    private static async Task<Dictionary<(string, long, Measure, string?, string?), long>> ReadAllCells(RedisTelemetryStore store)
    {
        var cells = new Dictionary<(string, long, Measure, string?, string?), long>();
        for (long day = UtcDay(Day0) - 3; day <= UtcDay(Day0) + 6; day++)
        {
            foreach (BucketEntry entry in await store.ReadDayAsync(day, CancellationToken.None))
            {
                cells.Add((entry.Identifier, entry.BucketStartMs, entry.Measure, entry.ProjectCode, entry.CostCode), entry.Amount);
            }
        }

        return cells;
    }

    private static async Task<List<MeterIncident>> ReadAllIncidents(RedisTelemetryStore store)
    {
        var incidents = new List<MeterIncident>();
        for (long day = UtcDay(Day0) - 3; day <= UtcDay(Day0) + 6; day++)
        {
            incidents.AddRange(await store.ReadIncidentsAsync(day, CancellationToken.None));
        }

        return incidents;
    }
}

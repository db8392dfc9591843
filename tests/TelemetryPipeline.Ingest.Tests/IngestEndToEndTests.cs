using System.Text;
using Confluent.Kafka;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.State;

namespace TelemetryPipeline.Ingest.Tests;

[Collection(IngestCollection.Name)]
public sealed class IngestEndToEndTests(IngestFixture fixture)
{
    private static readonly TimeSpan s_untilIdle = TimeSpan.FromSeconds(2);

    private static FleetScenario Scenario(int seed = 7) => new(
        new ScenarioOptions { Seed = seed, Machines = 12, Projects = 3, Days = 2, DuplicateShare = 0.10 },
        new CodecTelemetryEncoder(IngestFixture.Codec));

    [Fact]
    public async Task Run_GeneratedScenarioWithDuplicates_BucketsEqualIndependentComputation()
    {
        TestScope scope = fixture.NewScope();
        FleetScenario scenario = Scenario();
        List<GeneratedRecord> records = [.. scenario.Generate()];
        records.Count(r => r.IsDuplicate).Should().BeGreaterThan(records.Count / 20, "the scenario must carry ~10% duplicates");
        var expected = ExpectedTotals.Compute(records, scenario.NowMs);
        await scope.ProduceAsync(records);

        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(scope.Redis, default);
        await using (IngestPipeline pipeline = scope.CreatePipeline(store, scenario.NowMs))
        {
            IngestTotals totals = await pipeline.RunAsync(s_untilIdle, default);
            totals.Rejected.Should().Be(expected.RejectedCount);
            totals.Duplicates.Should().Be(expected.Duplicates);
            (totals.Consumed - totals.Rejected).Should().Be(records.Count(r => IsTelemetry(r)) - expected.RejectedCount);
        }

        await AssertBucketsEqualAsync(store, scenario, expected);
    }

    [Fact]
    public async Task Run_KilledBetweenApplyAndCommitThenRestarted_SameTotals()
    {
        TestScope scope = fixture.NewScope();
        FleetScenario scenario = Scenario(seed: 11);
        List<GeneratedRecord> records = [.. scenario.Generate()];
        var expected = ExpectedTotals.Compute(records, scenario.NowMs);
        await scope.ProduceAsync(records);
        var small = new IngestOptions { BatchSize = 40, BatchLingerMs = 5, MaxBatchesInFlight = 2 };

        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(scope.Redis, default);
        for (int crash = 0; crash < 3; crash++)
        {
            // Each run dies after a few batches are durable in Redis but before their offsets are committed.
            int batches = 0;
            const int dieAfter = 2;
            IngestPipeline pipeline = scope.CreatePipeline(store, scenario.NowMs, small);
            pipeline.AfterApplyBeforeCommit = (_, _) =>
                ++batches >= dieAfter ? throw new SimulatedCrashException() : Task.CompletedTask;
            Func<Task> run = () => pipeline.RunAsync(s_untilIdle, default);
            await run.Should().ThrowAsync<SimulatedCrashException>();
            await pipeline.DisposeAsync();
        }

        await using (IngestPipeline pipeline = scope.CreatePipeline(store, scenario.NowMs, small))
        {
            await pipeline.RunAsync(s_untilIdle, default);
        }

        await AssertBucketsEqualAsync(store, scenario, expected);
    }

    [Fact]
    public async Task Run_MalformedRecords_LandInDlqWithReasonHeadersAndGoodRecordsStillCount()
    {
        TestScope scope = fixture.NewScope(partitions: 2);
        FleetScenario scenario = Scenario(seed: 3);
        List<GeneratedRecord> records = [.. scenario.Generate()];
        var expected = ExpectedTotals.Compute(records, scenario.NowMs);
        expected.RejectedCount.Should().BeGreaterThan(5);
        await scope.ProduceAsync(records);

        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(scope.Redis, default);
        await using (IngestPipeline pipeline = scope.CreatePipeline(store, scenario.NowMs))
        {
            await pipeline.RunAsync(s_untilIdle, default);
        }

        List<ConsumeResult<byte[], byte[]>> dead = ConsumeAll(scope, scope.Topics.Dlq, expected.RejectedCount);
        dead.Should().HaveCount(expected.RejectedCount);
        var reasons = dead.GroupBy(d => Header(d, DeadLetterHeaders.Reason)).ToDictionary(g => g.Key, g => g.Count());
        reasons.Should().BeEquivalentTo(expected.Rejections);
        dead.Should().OnlyContain(d =>
            Header(d, DeadLetterHeaders.Detail).Length > 0
            && scope.Topics.Telemetry.Contains(Header(d, DeadLetterHeaders.SourceTopic))
            && long.Parse(Header(d, DeadLetterHeaders.SourceOffset), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        await AssertBucketsEqualAsync(store, scenario, expected);
    }

    private static bool IsTelemetry(GeneratedRecord record) =>
        record.Topic is GeneratedTopic.Usage or GeneratedTopic.Idle or GeneratedTopic.Fuel;

    private static async Task AssertBucketsEqualAsync(RedisTelemetryStore store, FleetScenario scenario, ExpectedTotals expected)
    {
        var actual = new Dictionary<ExpectedBucketKey, long>();
        long firstDay = BucketMath.UtcDay(scenario.StartMs) - 2;
        long lastDay = BucketMath.UtcDay(scenario.NowMs) + 1;
        for (long day = firstDay; day <= lastDay; day++)
        {
            foreach (BucketEntry entry in await store.ReadDayAsync(day, default))
            {
                var key = new ExpectedBucketKey(entry.Identifier, entry.BucketStartMs, entry.Measure, entry.ProjectCode ?? "", entry.CostCode ?? "");
                actual[key] = actual.GetValueOrDefault(key) + entry.Amount;
            }
        }

        var nonZeroExpected = expected.Buckets.Where(p => p.Value != 0).ToDictionary(p => p.Key, p => p.Value);
        var nonZeroActual = actual.Where(p => p.Value != 0).ToDictionary(p => p.Key, p => p.Value);
        nonZeroActual.Should().BeEquivalentTo(nonZeroExpected);
        nonZeroActual.Should().NotBeEmpty();
    }

    private static List<ConsumeResult<byte[], byte[]>> ConsumeAll(TestScope scope, string topic, int expectedCount)
    {
        var config = scope.Kafka.ToConsumerConfig();
        config.GroupId = scope.Kafka.GroupId + "-dlq-reader";
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[], byte[]>>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && results.Count < expectedCount)
        {
            ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                results.Add(result);
            }
        }

        // A little longer, to catch records beyond the expected count.
        DateTime extra = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < extra)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } more)
            {
                results.Add(more);
            }
        }

        consumer.Close();
        return results;
    }

    private static string Header(ConsumeResult<byte[], byte[]> result, string key) =>
        result.Message.Headers.TryGetLastBytes(key, out byte[] bytes) ? Encoding.UTF8.GetString(bytes) : "";

    private sealed class SimulatedCrashException : Exception
    {
        public SimulatedCrashException()
            : base("simulated crash between the Redis apply and the offset commit")
        {
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Schemas;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// Hostile records on the telemetry topics, before and after a generated scenario, through the real <c>run</c> process:
/// every one lands in the DLQ with a reason, the good records are counted exactly, and the process's memory stays bounded.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class HostileInputTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private const int OversizedBytes = 700 * 1024;
    private const int FloodHeaders = 5_000;
    private const long MemoryBoundBytes = 512L * 1024 * 1024;

    private static readonly TelemetryCodec s_codec = TelemetryCodec.CreateDefault(GeneratorSchemaIds.Map);

    private enum Hostile
    {
        Oversized,
        WrongMagic,
        UnknownFingerprint,
        UnknownSchemaId,
        RandomBytes,
        Empty,
        NegativeHours,
        BillionLitres,
        FarFuture,
        NaNHours,
        HeaderFlood,
    }

    [Fact]
    public async Task Run_HostileRecordsAroundAScenario_AllInDlqWithReasonsGoodRecordsExactMemoryBounded()
    {
        FaultScope scope = fixture.NewScope(partitions: 8);
        var random = new Random(1234);
        var hostile = new Dictionary<(string Topic, int Partition, long Offset), Hostile>();
        List<(Hostile Kind, string Topic, byte[] Value, Headers? Headers)> records = [.. HostileRecords(scope, random)];

        await ProduceAsync(scope, records.Take(records.Count / 2), hostile);
        ProducedScenario produced = await scope.ProduceAsync(new ScenarioOptions { Seed = 99, TargetEvents = 30_000, DuplicateShare = 0.10 });
        await ProduceAsync(scope, records.Skip(records.Count / 2), hostile);
        output.WriteLine($"{hostile.Count} hostile records around a scenario of {produced.TelemetryRecords} telemetry records");

        var clock = Stopwatch.StartNew();
        await using HostProcess host = HostProcess.Start("run", ["run", "--until-idle", "3"], scope.RunSettings());
        long peakRss = 0;
        while (!host.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            peakRss = Math.Max(peakRss, PeakResidentBytes(host.Id));
            await Task.Delay(100);
        }

        int? exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        exit.Should().Be(0, host.Tail());
        string summary = host.Lines.LastOrDefault(l => l.StartsWith("ingested", StringComparison.Ordinal)) ?? "(no summary)";
        output.WriteLine($"{summary}; {clock.Elapsed.TotalSeconds:0.0} s including group join; peak RSS {peakRss / (1024 * 1024)} MiB");

        (List<string> differences, int compared) = await scope.CompareBucketsAsync(produced);
        differences.Should().BeEmpty("hostile records must neither stop nor change the good ones");
        output.WriteLine($"{compared} buckets equal the oracle");

        List<ConsumeResult<byte[], byte[]>> dead = ReadDlq(scope, produced.Expected.RejectedCount + hostile.Count);
        dead.Should().HaveCount(produced.Expected.RejectedCount + hostile.Count, "every rejection is in the DLQ exactly once");
        var byKind = new Dictionary<Hostile, List<string>>();
        foreach (ConsumeResult<byte[], byte[]> record in dead)
        {
            string reason = Header(record, DeadLetterHeaders.Reason);
            reason.Should().NotBeEmpty();
            Header(record, DeadLetterHeaders.Detail).Should().NotBeEmpty();
            var source = (Header(record, DeadLetterHeaders.SourceTopic),
                int.Parse(Header(record, DeadLetterHeaders.SourcePartition), CultureInfo.InvariantCulture),
                long.Parse(Header(record, DeadLetterHeaders.SourceOffset), CultureInfo.InvariantCulture));
            if (hostile.TryGetValue(source, out Hostile kind))
            {
                (byKind.TryGetValue(kind, out List<string>? reasons) ? reasons : byKind[kind] = []).Add(reason);
                record.Message.Headers.Count.Should().BeLessThan(64, "a header flood is not copied whole");
                record.Message.Value.Length.Should().BeLessThanOrEqualTo(512 * 1024, "payload copies are capped");
                if (kind == Hostile.Oversized)
                {
                    Header(record, DeadLetterHeaders.Truncated).Should().Be(OversizedBytes.ToString(CultureInfo.InvariantCulture));
                }
            }
        }

        output.WriteLine("DLQ reasons: " + string.Join("; ", byKind.OrderBy(p => p.Key).Select(p => $"{p.Key}: {string.Join(",", p.Value.Distinct())}")));
        byKind.Keys.Should().BeEquivalentTo(Enum.GetValues<Hostile>());
        byKind[Hostile.UnknownFingerprint].Should().OnlyContain(r => r == RejectionReasons.UnknownSchema);
        byKind[Hostile.UnknownSchemaId].Should().OnlyContain(r => r == RejectionReasons.UnknownSchema);
        byKind[Hostile.BillionLitres].Should().OnlyContain(r => r == RejectionReasons.AbsurdQuantity);
        byKind[Hostile.FarFuture].Should().OnlyContain(r => r == RejectionReasons.FutureEventTime);
        byKind[Hostile.NegativeHours].Should().OnlyContain(r => r == RejectionReasons.NegativeDelta || r == RejectionReasons.NonPositiveQuantity);
        peakRss.Should().BePositive().And.BeLessThan(MemoryBoundBytes, "memory stays bounded whatever the input");
    }

    private static IEnumerable<(Hostile Kind, string Topic, byte[] Value, Headers? Headers)> HostileRecords(FaultScope scope, Random random)
    {
        string[] topics = [scope.Topics.Usage, scope.Topics.Idle, scope.Topics.Fuel];
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int round = 0; round < 4; round++)
        {
            string topic = topics[round % topics.Length];
            yield return (Hostile.Oversized, topic, Bytes(random, OversizedBytes, first: 0xFF), null);
            yield return (Hostile.WrongMagic, topic, [0xC3, 0x02, .. Bytes(random, 40)], null);
            yield return (Hostile.WrongMagic, topic, [0x01, .. Bytes(random, 40)], null);
            yield return (Hostile.UnknownFingerprint, topic, [0xC3, 0x01, .. Bytes(random, 8), .. Bytes(random, 60)], null);
            yield return (Hostile.UnknownSchemaId, topic, [0x00, 0x00, 0x00, 0x03, 0xE7, .. Bytes(random, 60)], null);
            for (int i = 0; i < 25; i++)
            {
                yield return (Hostile.RandomBytes, topic, Bytes(random, random.Next(1, 300), first: (byte)random.Next(0x02, 0xC3)), null);
            }

            yield return (Hostile.Empty, topic, [], null);
            yield return (Hostile.NegativeHours, scope.Topics.Usage, s_codec.EncodeSingleObject(new EquipmentUsage
            {
                EventId = Guid.NewGuid().ToString(), Source = "hostile", Equipment = new EquipmentRef("canonical", "EX-6666"),
                EventTimeMs = now - 3_600_000, IntervalStartMs = now - 7_200_000, OperatingHours = -3.5,
            }), null);
            yield return (Hostile.BillionLitres, scope.Topics.Fuel, s_codec.EncodeSingleObject(new FuelEvent
            {
                EventId = Guid.NewGuid().ToString(), Source = "hostile", Equipment = new EquipmentRef("canonical", "EX-6666"),
                EventTimeMs = now - 3_600_000, Kind = FuelKind.Burn, Quantity = 1e9, Unit = FuelUnit.Liter,
            }), null);
            yield return (Hostile.FarFuture, scope.Topics.Idle, s_codec.EncodeSingleObject(new EquipmentIdle
            {
                EventId = Guid.NewGuid().ToString(), Source = "hostile", Equipment = new EquipmentRef("canonical", "EX-6666"),
                EventTimeMs = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
                IntervalStartMs = new DateTimeOffset(2199, 12, 31, 23, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), IdleHours = 0.5,
            }), null);
            yield return (Hostile.NaNHours, scope.Topics.Usage, s_codec.EncodeSingleObject(new EquipmentUsage
            {
                EventId = Guid.NewGuid().ToString(), Source = "hostile", Equipment = new EquipmentRef("canonical", "EX-6666"),
                EventTimeMs = now - 3_600_000, IntervalStartMs = now - 7_200_000, OperatingHours = double.NaN,
            }), null);

            var flood = new Headers();
            for (int h = 0; h < FloodHeaders; h++)
            {
                flood.Add("x-flood-" + h.ToString(CultureInfo.InvariantCulture), Bytes(random, 16));
            }

            yield return (Hostile.HeaderFlood, topic, Bytes(random, 50, first: 0xFE), flood);
        }
    }

    private static async Task ProduceAsync(
        FaultScope scope,
        IEnumerable<(Hostile Kind, string Topic, byte[] Value, Headers? Headers)> records,
        Dictionary<(string Topic, int Partition, long Offset), Hostile> produced)
    {
        ProducerConfig config = scope.Kafka.ToProducerConfig();
        config.MessageMaxBytes = 1_048_576;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        int n = 0;
        foreach ((Hostile kind, string topic, byte[] value, Headers? headers) in records)
        {
            DeliveryResult<byte[], byte[]> delivered = await producer.ProduceAsync(topic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"hostile-{n++}")),
                Value = value,
                Headers = headers,
            });
            produced[(delivered.Topic, delivered.Partition.Value, delivered.Offset.Value)] = kind;
        }
    }

    private static List<ConsumeResult<byte[], byte[]>> ReadDlq(FaultScope scope, int expected)
    {
        ConsumerConfig config = scope.Kafka.ToConsumerConfig();
        config.GroupId = scope.Kafka.GroupId + "-dlq-reader";
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe(scope.Topics.Dlq);
        var results = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30) && results.Count < expected)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        // A moment longer, to catch records beyond the expected count (duplicates would show here).
        var extra = Stopwatch.StartNew();
        while (extra.Elapsed < TimeSpan.FromSeconds(1))
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
        result.Message.Headers.TryGetLastBytes(key, out byte[] bytes) ? Encoding.UTF8.GetString(bytes) : string.Empty;

    private static byte[] Bytes(Random random, int length, byte? first = null)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        if (first is byte b && length > 0)
        {
            bytes[0] = b;
        }

        return bytes;
    }

    /// <summary>VmHWM (peak resident set) of a process from /proc, 0 when it is gone.</summary>
    private static long PeakResidentBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}

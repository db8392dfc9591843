using System.Diagnostics;
using Confluent.Kafka;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Perf.Load;

/// <summary>What was produced: telemetry records per topic, checked against the broker's watermarks.</summary>
internal sealed record DatasetInfo(long Events, long Usage, long Idle, long Fuel, long Duplicates, long Malformed, int Machines, double ProduceSeconds, long ValueBytes);

/// <summary>Fills the drain topics once with generator records; every contender then consumes the same bytes.</summary>
internal static class DatasetProducer
{
    /// <summary>
    /// Produces the first <paramref name="events"/> telemetry records of a seeded fleet scenario sized for that many
    /// (master-data records are skipped: no contender reads them), then checks the mock cluster kept all of them.
    /// </summary>
    public static async Task<DatasetInfo> ProduceAsync(
        string bootstrapServers, TopicNames topics, long events, int seed, CancellationToken cancellationToken)
    {
        var scenarioOptions = new ScenarioOptions { Seed = seed, TargetEvents = events, Days = 7 };
        var scenario = new FleetScenario(scenarioOptions, new CodecTelemetryEncoder());
        var options = new GenerateOptions { Scenario = scenarioOptions, ProgressBar = false, ClientId = "perf-dataset" };
        long duplicates = 0;
        long malformed = 0;
        long valueBytes = 0;
        IEnumerable<GeneratedRecord> Telemetry()
        {
            long n = 0;
            foreach (GeneratedRecord record in scenario.Generate())
            {
                if (!record.IsTelemetry)
                {
                    continue;
                }

                duplicates += record.IsDuplicate ? 1 : 0;
                malformed += record.ExpectedRejection is null ? 0 : 1;
                valueBytes += record.Value.Length;
                yield return record;
                if (++n >= events)
                {
                    yield break;
                }
            }
        }

        var clock = Stopwatch.StartNew();
        ProduceResult result;
        using (var producer = new FleetProducer(bootstrapServers, topics, options))
        {
            result = await producer.ProduceAsync(Telemetry(), null, cancellationToken).ConfigureAwait(false);
        }

        if (result.Failed > 0)
        {
            throw new InvalidOperationException($"{result.Failed} records were not delivered to the mock cluster: {result.FirstError}");
        }

        long kept = CheckNothingTrimmed(bootstrapServers, topics, result.Counts.Usage + result.Counts.Idle + result.Counts.Fuel);
        return new DatasetInfo(
            kept, result.Counts.Usage, result.Counts.Idle, result.Counts.Fuel, duplicates, malformed,
            scenario.Machines.Count, clock.Elapsed.TotalSeconds, valueBytes);
    }

    /// <summary>
    /// Sums the telemetry topics' high watermarks and checks every low watermark is 0: the mock cluster trims a
    /// partition's oldest batches beyond ~5 MiB, which would silently shrink the data set.
    /// </summary>
    public static long CheckNothingTrimmed(string bootstrapServers, TopicNames topics, long expected)
    {
        long total = 0;
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "perf-watermarks",
        }).SetLogHandler(static (_, _) => { }).Build();
        foreach (TopicPartition partition in Partitions(bootstrapServers, topics))
        {
            WatermarkOffsets marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            if (marks.Low.Value > 0)
            {
                throw new InvalidOperationException(
                    $"The mock cluster trimmed {partition}: its low watermark is {marks.Low.Value}. Use more --partitions (each keeps ~5 MiB).");
            }

            total += marks.High.Value;
        }

        if (total != expected)
        {
            throw new InvalidOperationException($"The telemetry topics hold {total} records; {expected} were delivered.");
        }

        return total;
    }

    /// <summary>Every partition of the three telemetry topics, from the cluster's metadata.</summary>
    public static List<TopicPartition> Partitions(string bootstrapServers, TopicNames topics)
    {
        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler(static (_, _) => { }).Build();
        var partitions = new List<TopicPartition>();
        foreach (string topic in topics.Telemetry)
        {
            Metadata metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
            foreach (TopicMetadata t in metadata.Topics)
            {
                foreach (PartitionMetadata p in t.Partitions)
                {
                    partitions.Add(new TopicPartition(t.Topic, new Partition(p.PartitionId)));
                }
            }
        }

        return partitions;
    }
}

/// <summary>
/// Produce timestamps (CreateTime, UTC ms) of the sampled events of a data set, by dedupe id, read back from the
/// topics after a run. TelemetryPipeline's store only sees dedupe ids, so its latency samples are joined to these.
/// An id produced twice (an exact duplicate) keeps its first timestamp: the first copy is the one that gets applied.
/// </summary>
internal sealed class ProduceTimeIndex
{
    private readonly Dictionary<ulong, long> _timestamps;

    private ProduceTimeIndex(Dictionary<ulong, long> timestamps) => _timestamps = timestamps;

    public int Count => _timestamps.Count;

    public bool TryGet(ulong dedupeId, out long produceMs) => _timestamps.TryGetValue(dedupeId, out produceMs);

    /// <summary>Reads every record of the telemetry topics (assigned, no group), decoding those whose dedupe id is sampled.</summary>
    public static ProduceTimeIndex Read(string bootstrapServers, TopicNames topics, TelemetryCodec codec, ulong sampleMask, CancellationToken cancellationToken)
    {
        var timestamps = new Dictionary<ulong, long>();
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "perf-timestamps",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchMaxBytes = 52_428_800,
            MaxPartitionFetchBytes = 4_194_304,
        }).SetLogHandler(static (_, _) => { }).Build();
        List<TopicPartition> partitions = DatasetProducer.Partitions(bootstrapServers, topics);
        var open = new HashSet<TopicPartition>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (TopicPartition partition in partitions)
        {
            WatermarkOffsets marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            if (marks.High.Value > marks.Low.Value)
            {
                open.Add(partition);
                assignment.Add(new TopicPartitionOffset(partition, Offset.Beginning));
            }
        }

        consumer.Assign(assignment);
        while (open.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromSeconds(5));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                open.Remove(result.TopicPartition);
                continue;
            }

            if (result.Message.Value is not { Length: > 0 } value || !codec.TryDecodeTelemetry(value, out TelemetryEvent? telemetry, out _))
            {
                continue;
            }

            ulong id = DedupeId.Compute(telemetry.Type, telemetry.Source, telemetry.EventId);
            if ((id & sampleMask) != 0)
            {
                continue;
            }

            long produced = result.Message.Timestamp.UnixTimestampMs;
            if (!timestamps.TryGetValue(id, out long earlier) || produced < earlier)
            {
                timestamps[id] = produced;
            }
        }

        consumer.Close();
        return new ProduceTimeIndex(timestamps);
    }
}

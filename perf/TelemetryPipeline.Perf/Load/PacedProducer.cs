using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// What a paced production did: how many, how long, how far it ever fell behind its schedule, and the longest time from
/// handing a record to the producer to the broker's acknowledgement, in the first second and afterwards.
/// </summary>
internal sealed record PacedResult(long Produced, double Seconds, double MaxBehindMs, long Failed, double FirstSecondMaxAckMs = 0, double MaxAckMsAfter = 0)
{
    public double Rate => Produced / Math.Max(Seconds, 1e-9);
}

/// <summary>
/// Re-produces records of the drain data set into the paced topics at a fixed rate, each stamped with the time it was
/// handed to the producer (CreateTime), so latency is measured from that instant. The records are read into memory
/// before the clock starts; the schedule is absolute (record i is due at start + i / rate), so a stall is caught up
/// rather than hidden.
/// </summary>
internal sealed class PacedProducer : IDisposable
{
    private readonly List<(int Topic, byte[]? Key, byte[] Value)> _records;
    private IProducer<byte[]?, byte[]>? _producer;
    private long _failed;

    private PacedProducer(List<(int Topic, byte[]? Key, byte[] Value)> records) => _records = records;

    public int Count => _records.Count;

    /// <summary>Reads up to <paramref name="maxEvents"/> telemetry records of <paramref name="source"/>, partition by partition.</summary>
    public static PacedProducer Load(string bootstrapServers, TopicNames source, long maxEvents)
    {
        KafkaNative.EnsureLoaded();
        var records = new List<(int, byte[]?, byte[])>((int)Math.Min(maxEvents, 10_000_000));
        List<string> telemetry = [.. source.Telemetry];
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "perf-pacer",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            MaxPartitionFetchBytes = 4_194_304,
        }).SetLogHandler(static (_, _) => { }).Build();
        var open = new HashSet<TopicPartition>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (TopicPartition partition in DatasetProducer.Partitions(bootstrapServers, source))
        {
            WatermarkOffsets marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            if (marks.High.Value > marks.Low.Value)
            {
                open.Add(partition);
                assignment.Add(new TopicPartitionOffset(partition, Offset.Beginning));
            }
        }

        consumer.Assign(assignment);
        while (open.Count > 0 && records.Count < maxEvents)
        {
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

            records.Add((telemetry.IndexOf(result.Topic), result.Message.Key, result.Message.Value));
        }

        consumer.Close();
        return new PacedProducer(records);
    }

    /// <summary>
    /// Creates the producer and has it fetch the target topics' metadata, before the clock starts: otherwise the first
    /// records wait in the producer for its connection and metadata, which is start-up of the harness, not latency of the
    /// pipeline.
    /// </summary>
    public void Prepare(string bootstrapServers, TopicNames target)
    {
        var options = new KafkaOptions { BootstrapServers = bootstrapServers, ClientId = "perf-pacer", LingerMs = 5 };
        _producer = new ProducerBuilder<byte[]?, byte[]>(options.ToProducerConfig()).SetLogHandler(static (_, _) => { }).Build();
        using IAdminClient admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        foreach (string topic in target.Telemetry)
        {
            admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Produces every loaded record into <paramref name="target"/>'s telemetry topics at <paramref name="rate"/> events/s.</summary>
    public PacedResult Run(string bootstrapServers, TopicNames target, double rate, CancellationToken cancellationToken)
    {
        string[] topics = [.. target.Telemetry];
        if (_producer is null)
        {
            Prepare(bootstrapServers, target);
        }

        IProducer<byte[]?, byte[]> producer = _producer!;
        long startedMs = 0;
        double firstSecondMaxAck = 0;
        double maxAckAfter = 0;
        object ackGate = new();
        void OnDelivered(DeliveryReport<byte[]?, byte[]> report, long handedMs)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
                return;
            }

            // The report's own timestamp is not the one set on the message (0 on the mock), so the handed time comes along.
            double ackMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - handedMs;
            lock (ackGate)
            {
                if (handedMs < startedMs + 1000)
                {
                    firstSecondMaxAck = Math.Max(firstSecondMaxAck, ackMs);
                }
                else
                {
                    maxAckAfter = Math.Max(maxAckAfter, ackMs);
                }
            }
        }

        double ticksPerEvent = Stopwatch.Frequency / rate;
        startedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long start = Stopwatch.GetTimestamp();
        double maxBehindMs = 0;
        int next = 0;
        while (next < _records.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long now = Stopwatch.GetTimestamp();
            int due = (int)Math.Min(_records.Count, ((now - start) / ticksPerEvent) + 1);
            if (due <= next)
            {
                Thread.Sleep(1);
                continue;
            }

            double behind = (now - (start + (next * ticksPerEvent))) * 1000.0 / Stopwatch.Frequency;
            maxBehindMs = Math.Max(maxBehindMs, behind);
            var timestamp = new Timestamp(DateTimeOffset.UtcNow);
            long handedMs = timestamp.UnixTimestampMs;
            Action<DeliveryReport<byte[]?, byte[]>> delivered = report => OnDelivered(report, handedMs);
            for (; next < due; next++)
            {
                (int topic, byte[]? key, byte[] value) = _records[next];
                var message = new Message<byte[]?, byte[]> { Key = key, Value = value, Timestamp = timestamp };
                while (true)
                {
                    try
                    {
                        producer.Produce(topics[topic], message, delivered);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(1));
                    }
                }
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        producer.Flush(TimeSpan.FromMinutes(2));
        lock (ackGate)
        {
            return new PacedResult(_records.Count, seconds, Math.Round(maxBehindMs, 1), Interlocked.Read(ref _failed), firstSecondMaxAck, maxAckAfter);
        }
    }

    public void Dispose() => _producer?.Dispose();
}

/// <summary>
/// The hidden <c>pace</c> sub-command (a child process, so that producing does not share the harness process):
/// loads the records, prints <see cref="ReadyPrefix"/>, waits for a line on standard input, produces, prints <see cref="DonePrefix"/>.
/// </summary>
internal static class PaceCommand
{
    public const string ReadyPrefix = "PACE-READY ";
    public const string DonePrefix = "PACE-DONE ";

    public static int Run(string bootstrap, string sourcePrefix, string targetPrefix, double rate, long events)
    {
        using PacedProducer pacer = PacedProducer.Load(bootstrap, TopicNames.Prefixed(sourcePrefix), events);
        pacer.Prepare(bootstrap, TopicNames.Prefixed(targetPrefix));
        Console.Out.WriteLine(ReadyPrefix + pacer.Count.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        if (Console.In.ReadLine() is null)
        {
            return 1;
        }

        PacedResult result = pacer.Run(bootstrap, TopicNames.Prefixed(targetPrefix), rate, CancellationToken.None);
        Console.Out.WriteLine(DonePrefix + Format(result));
        Console.Out.Flush();
        return 0;
    }

    public static string Format(PacedResult result) => string.Create(
        CultureInfo.InvariantCulture, $"{result.Produced} {result.Seconds:R} {result.MaxBehindMs:R} {result.Failed} {result.FirstSecondMaxAckMs:R} {result.MaxAckMsAfter:R}");

    public static PacedResult Parse(string line)
    {
        string[] parts = line[DonePrefix.Length..].Trim().Split(' ');
        return new PacedResult(
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            double.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture),
            double.Parse(parts[4], CultureInfo.InvariantCulture),
            double.Parse(parts[5], CultureInfo.InvariantCulture));
    }
}

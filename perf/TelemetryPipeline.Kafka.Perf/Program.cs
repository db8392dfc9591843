using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using TelemetryPipeline.Kafka;

// Produce N messages of ~B bytes over P partitions into an in-process mock cluster, then consume them
// back with one group member, and print msg/s and MB/s for each side. Numbers on a shared 2-core box
// are indicative: compare runs side by side, never against a fixed bound.
var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var partitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var valueBytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 120;
var compression = args.Length > 3 ? args[3] : "lz4";
const string Topic = "perf.telemetry";

using var cluster = MockCluster.Start();
cluster.CreateTopic(Topic, partitions);
var options = new KafkaOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "perf", CompressionType = compression };
options.Validate();

// Avro-like payload: a constant-ish shape (ids, enum tags) plus varying numbers, so lz4 sees what it would see in production.
var rng = new Random(42);
var template = new byte[valueBytes];
rng.NextBytes(template);
for (var i = 0; i < template.Length / 2; i++)
{
    template[i] = (byte)"EX-CAT-336-usage-site-north-"[i % 28];
}

var keys = new byte[1000][];
for (var i = 0; i < keys.Length; i++)
{
    keys[i] = System.Text.Encoding.ASCII.GetBytes($"EX-{i:D5}");
}

Console.WriteLine($"librdkafka {Library.VersionString}, {messages:N0} x {valueBytes} B, {partitions} partitions, {compression}");

long delivered = 0, failed = 0;
var sw = Stopwatch.StartNew();
using (var producer = new ProducerBuilder<byte[], byte[]>(options.ToProducerConfig()).SetLogHandler(static (_, _) => { }).Build())
{
    void OnDelivery(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref failed);
        }
        else
        {
            Interlocked.Increment(ref delivered);
        }
    }

    for (var i = 0; i < messages; i++)
    {
        var value = new byte[valueBytes];
        template.CopyTo(value, 0);
        BitConverter.TryWriteBytes(value.AsSpan(valueBytes - 16), (long)i);
        BitConverter.TryWriteBytes(value.AsSpan(valueBytes - 8), rng.NextDouble() * 10_000);
        var message = new Message<byte[], byte[]> { Key = keys[i % keys.Length], Value = value };
        while (true)
        {
            try
            {
                producer.Produce(Topic, message, OnDelivery);
                break;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    producer.Flush(TimeSpan.FromMinutes(5));
}

var produceSeconds = sw.Elapsed.TotalSeconds;
Console.WriteLine($"produce: {delivered:N0} delivered, {failed:N0} failed in {produceSeconds:F2} s = {delivered / produceSeconds:N0} msg/s, {delivered * valueBytes / produceSeconds / 1e6:F1} MB/s (values)");

var consumed = 0L;
var consumeTotal = Stopwatch.StartNew();
TimeSpan joined = default;
Stopwatch? consumeData = null;
using (var consumer = new ConsumerBuilder<byte[], byte[]>(options.ToConsumerConfig()).SetLogHandler(static (_, _) => { }).Build())
{
    consumer.Subscribe(Topic);
    ConsumeResult<byte[], byte[]>? last = null;
    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (consumed < delivered && DateTime.UtcNow < deadline)
    {
        var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
        if (result is null)
        {
            continue;
        }

        if (consumeData is null)
        {
            joined = consumeTotal.Elapsed;
            consumeData = Stopwatch.StartNew();
        }

        consumed++;
        last = result;
    }

    consumeData?.Stop();
    consumer.Close();
}

var dataSeconds = consumeData?.Elapsed.TotalSeconds ?? double.NaN;
Console.WriteLine($"consume: {consumed:N0} in {dataSeconds:F2} s after join ({joined.TotalSeconds:F1} s to first record) = {consumed / dataSeconds:N0} msg/s, {consumed * valueBytes / dataSeconds / 1e6:F1} MB/s (values); including join {consumed / consumeTotal.Elapsed.TotalSeconds:N0} msg/s");
Console.WriteLine($"process: peak working set {Environment.WorkingSet / 1e6:F0} MB (current), GC allocated {GC.GetTotalAllocatedBytes() / 1e6:F0} MB");

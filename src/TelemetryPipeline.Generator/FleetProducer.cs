using Confluent.Kafka;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Generator;

/// <summary>The outcome of producing a scenario.</summary>
public sealed record ProduceResult(RecordCounts Counts, long Delivered, long Failed, string? FirstError, TimeSpan Elapsed);

/// <summary>
/// Produces generated records to Kafka in their order, keyed as generated (the identifier as sent, so one
/// device's records of one type stay in one partition, in order), lz4-compressed, with a bounded in-flight window.
/// </summary>
public sealed class FleetProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly TopicNames _topics;
    private readonly SemaphoreSlim _window;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivered;
    private long _delivered;
    private long _failed;
    private string? _firstError;

    /// <exception cref="KafkaSetupException">librdkafka cannot be loaded.</exception>
    public FleetProducer(string bootstrapServers, TopicNames topics, GenerateOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(options);
        topics.Validate();
        KafkaNative.EnsureLoaded();
        _topics = topics;
        _window = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _onDelivered = OnDelivered;
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = options.ClientId,
            LingerMs = options.LingerMs,
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            CompressionType = CompressionType.Lz4,
            Acks = Acks.All,
            EnableIdempotence = options.EnableIdempotence,
            QueueBufferingMaxMessages = Math.Max(options.MaxInFlight + 1000, 100_000),
            QueueBufferingMaxKbytes = 1_048_576,
            MessageTimeoutMs = 120_000,

            // Only the status is read back: copying keys and values into every report costs throughput.
            DeliveryReportFields = "status",
        };
        _producer = new ProducerBuilder<string, byte[]>(config).Build();
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records handed over and not yet acknowledged.</summary>
    public long InFlight { get; private set; }

    /// <summary>
    /// Produces <paramref name="records"/> in order and waits until every one is acknowledged or failed.
    /// <paramref name="onProduced"/> is called after each record is handed to the producer (for progress).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ProduceResult> ProduceAsync(
        IEnumerable<GeneratedRecord> records, Action<RecordCounts>? onProduced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var counts = new RecordCounts();
        long handed = 0;
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_window.Wait(0, CancellationToken.None))
            {
                await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            Produce(record, cancellationToken);
            handed++;
            counts.Add(record);
            InFlight = handed - Delivered - Failed;
            onProduced?.Invoke(counts);
        }

        await Task.Run(() => _producer.Flush(cancellationToken), cancellationToken).ConfigureAwait(false);
        InFlight = 0;
        return new ProduceResult(counts, Delivered, Failed, Volatile.Read(ref _firstError), started.Elapsed);
    }

    public void Dispose()
    {
        _producer.Dispose();
        _window.Dispose();
    }

    private void Produce(GeneratedRecord record, CancellationToken cancellationToken)
    {
        string topic = record.Topic switch
        {
            GeneratedTopic.Usage => _topics.Usage,
            GeneratedTopic.Idle => _topics.Idle,
            GeneratedTopic.Fuel => _topics.Fuel,
            GeneratedTopic.Assignments => _topics.Assignments,
            GeneratedTopic.Aliases => _topics.Aliases,
            _ => _topics.Rates,
        };
        var message = new Message<string, byte[]> { Key = record.Key, Value = record.Value };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, _onDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's own queue is full (byte limit reached before the window): let it drain.
                cancellationToken.ThrowIfCancellationRequested();
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            Interlocked.CompareExchange(ref _firstError, report.Error.Reason, null);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
        }

        _window.Release();
    }
}

using System.Runtime.InteropServices;
using static TelemetryPipeline.Kafka.RdKafkaMockInterop;

namespace TelemetryPipeline.Kafka;

/// <summary>
/// librdkafka's in-process mock Kafka cluster: real brokers speaking the Kafka protocol on loopback
/// ports, for tests and the demo. Produce, fetch, metadata, list-offsets and consumer groups work;
/// there is no admin API (create topics with <see cref="CreateTopic"/>), no compaction, no real
/// transactions, and each partition keeps only about 5 MiB / 100k batches (oldest trimmed first).
/// Group timing: a new group's first join completes after ~3 s; joining a group whose last member
/// left takes about session.timeout.ms − 1 s.
/// </summary>
public sealed class MockCluster : IDisposable
{
    private readonly Lock _gate = new();
    private IntPtr _handle;
    private IntPtr _cluster;

    private MockCluster(IntPtr handle, IntPtr cluster, string bootstrapServers, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokerCount;
    }

    /// <summary>Comma-separated <c>127.0.0.1:port</c> list to use as <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of mock brokers.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a mock cluster with <paramref name="brokers"/> brokers on free loopback ports.</summary>
    /// <exception cref="KafkaSetupException">librdkafka is missing or refuses to create the cluster.</exception>
    public static MockCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, 64);
        KafkaNative.EnsureLoaded();

        var handle = CreateHandle();
        var cluster = rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(handle);
            throw new KafkaSetupException($"librdkafka could not create a mock cluster of {brokers} broker(s).");
        }

        var bootstraps = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster));
        if (string.IsNullOrEmpty(bootstraps))
        {
            rd_kafka_mock_cluster_destroy(cluster);
            rd_kafka_destroy(handle);
            throw new KafkaSetupException("librdkafka created a mock cluster without bootstrap servers.");
        }

        return new MockCluster(handle, cluster, bootstraps, brokers);
    }

    /// <summary>
    /// Creates <paramref name="name"/> with the given partitions; returns false (and changes nothing)
    /// if the topic already exists, whatever its partition count.
    /// </summary>
    /// <exception cref="InvalidOperationException">The mock cluster rejected the topic.</exception>
    public bool CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        int err;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            err = rd_kafka_mock_topic_create(_cluster, name, partitions, replicationFactor);
        }

        return err switch
        {
            ErrNoError => true,
            ErrTopicAlreadyExists => false,
            _ => throw new InvalidOperationException($"Mock cluster could not create topic '{name}': {ErrorText(err)}."),
        };
    }

    /// <summary>
    /// Creates every topic of <paramref name="names"/> with <paramref name="partitions"/> partitions.
    /// Master-data topics are compacted in production; the mock has no compaction, so they are plain here.
    /// </summary>
    public void CreateTopics(TopicNames names, int partitions)
    {
        ArgumentNullException.ThrowIfNull(names);
        names.Validate();
        foreach (var topic in names.All)
        {
            CreateTopic(topic, partitions);
        }
    }

    /// <summary>Destroys the cluster (clients still connected see their brokers go away) and its handle.</summary>
    public void Dispose()
    {
        IntPtr cluster;
        IntPtr handle;
        lock (_gate)
        {
            cluster = _cluster;
            handle = _handle;
            _cluster = IntPtr.Zero;
            _handle = IntPtr.Zero;
        }

        if (cluster != IntPtr.Zero)
        {
            rd_kafka_mock_cluster_destroy(cluster);
        }

        if (handle != IntPtr.Zero)
        {
            rd_kafka_destroy(handle);
        }
    }

    private static unsafe IntPtr CreateHandle()
    {
        const int ErrSize = 512;
        var errstr = stackalloc byte[ErrSize];
        var conf = rd_kafka_conf_new();

        // The handle only hosts the mock brokers' threads; it never produces, so it needs no
        // bootstrap servers. Its logs are the mock brokers' logs: keep warnings and errors.
        Set(conf, "client.id", "telemetry-pipeline-mock-cluster", errstr, ErrSize);
        Set(conf, "log_level", "4", errstr, ErrSize);

        var handle = rd_kafka_new(ProducerType, conf, errstr, ErrSize);
        if (handle == IntPtr.Zero)
        {
            // rd_kafka_new takes ownership of conf only on success.
            rd_kafka_conf_destroy(conf);
            throw new KafkaSetupException($"librdkafka could not create the mock cluster's handle: {ReadError(errstr)}");
        }

        return handle;
    }

    private static unsafe void Set(IntPtr conf, string name, string value, byte* errstr, int errSize)
    {
        if (rd_kafka_conf_set(conf, name, value, errstr, (nuint)errSize) != ConfOk)
        {
            var message = ReadError(errstr);
            rd_kafka_conf_destroy(conf);
            throw new KafkaSetupException($"librdkafka rejected {name}={value}: {message}");
        }
    }

    private static unsafe string ReadError(byte* errstr) =>
        Marshal.PtrToStringUTF8((IntPtr)errstr) ?? string.Empty;
}

using System.Runtime.InteropServices;

namespace TelemetryPipeline.Kafka;

/// <summary>P/Invoke surface of librdkafka's mock cluster (rdkafka_mock.h) and the few rd_kafka_* calls it needs.</summary>
internal static unsafe partial class RdKafkaMockInterop
{
    internal const int ConfOk = 0;
    internal const int ProducerType = 0;
    internal const int ErrNoError = 0;

    // rd_kafka_resp_err_t RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
    internal const int ErrTopicAlreadyExists = 36;

    private const string Lib = KafkaNative.LibraryFileName;

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_err2str(int err);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitionCount, int replicationFactor);

    internal static string ErrorText(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2str(err)) ?? $"error {err}";
}

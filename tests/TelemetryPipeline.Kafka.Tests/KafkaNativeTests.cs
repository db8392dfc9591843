using Confluent.Kafka;

namespace TelemetryPipeline.Kafka.Tests;

public sealed class KafkaNativeTests
{
    [Fact]
    public void EnsureLoaded_CalledTwice_LoadsOnceAndStaysLoaded()
    {
        KafkaNative.EnsureLoaded();
        var act = () => KafkaNative.EnsureLoaded();

        act.Should().NotThrow();
        KafkaNative.IsLoaded.Should().BeTrue();
        Library.IsLoaded.Should().BeTrue();
    }

    [Fact]
    public void EnsureLoaded_ConcurrentCallers_AllSucceed()
    {
        var act = () => Parallel.For(0, 16, _ => KafkaNative.EnsureLoaded());

        act.Should().NotThrow();
    }

    [Fact]
    public void EnsureLoaded_Loaded_ConfluentUsesDebianLibrdkafka2()
    {
        KafkaNative.EnsureLoaded();

        // 1.9.3's bundled librdkafka would report 1.9.x; 2.0.x proves the OS library is bound.
        Library.VersionString.Should().StartWith("2.");
    }

    [Fact]
    public void LoadOrThrow_LibraryAbsent_ThrowsSetupErrorNamingThePackage()
    {
        var act = () => KafkaNative.LoadOrThrow("librdkafka.so.999");

        var error = act.Should().Throw<KafkaSetupException>().Which;
        error.Message.Should().StartWith("librdkafka is missing: apt-get install librdkafka1");
        error.IsFatal.Should().BeTrue();
    }
}

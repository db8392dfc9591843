using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State.Tests;

public sealed class RedisOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        var options = new RedisOptions();

        options.Invoking(o => o.Validate()).Should().NotThrow();
        options.Endpoint.Should().Be("127.0.0.1:6379");
        options.KeyPrefix.Should().Be("tp");
        options.Shards.Should().Be(1);
        options.DedupeRetention.Should().Be(TimeSpan.FromDays(30));
        options.BucketTtl.Should().Be(TimeSpan.FromDays(70));
        options.Host.Should().Be("127.0.0.1");
        options.Port.Should().Be(6379);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void Validate_ShardsOutOfRange_NamesKeyAndRange(int shards)
    {
        var options = new RedisOptions { Shards = shards };

        var error = options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>().Which;

        error.Message.Should().StartWith("Redis:Shards must be between 1 and 1024");
        error.Key.Should().Be("Redis:Shards");
        error.IsRetriable.Should().BeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("localhost:0")]
    [InlineData("localhost:70000")]
    [InlineData(":6379")]
    public void Validate_BadEndpoint_NamesKey(string endpoint)
    {
        var options = new RedisOptions { Endpoint = endpoint };

        options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>()
            .Which.Key.Should().Be("Redis:Endpoint");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a{b")]
    [InlineData("a b")]
    public void Validate_BadKeyPrefix_NamesKey(string prefix)
    {
        var options = new RedisOptions { KeyPrefix = prefix };

        options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>()
            .Which.Key.Should().Be("Redis:KeyPrefix");
    }

    [Fact]
    public void Validate_TinyCommandTimeout_NamesKey()
    {
        var options = new RedisOptions { CommandTimeout = TimeSpan.FromMilliseconds(1) };

        options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>()
            .Which.Message.Should().StartWith("Redis:CommandTimeout must be between");
    }

    [Fact]
    public void Validate_ZeroRetention_NamesKey()
    {
        var options = new RedisOptions { DedupeRetention = TimeSpan.Zero };

        options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>()
            .Which.Key.Should().Be("Redis:DedupeRetention");
    }

    [Fact]
    public void Validate_UserWithoutPassword_NamesPassword()
    {
        var options = new RedisOptions { User = "pipeline" };

        options.Invoking(o => o.Validate()).Should().Throw<RedisConfigurationException>()
            .Which.Key.Should().Be("Redis:Password");
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Action create = () => _ = new RedisConnection(new RedisOptions { Shards = 0 });

        create.Should().Throw<RedisConfigurationException>();
    }
}

using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.State.Tests;

/// <summary>The shared TestKit fixture itself.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task StartAsync_AnswersOnLoopbackAndDisposeDeletesDirectory()
    {
        RedisServer server = await RedisServer.StartAsync();
        string directory = server.Directory;

        server.Endpoint.Should().Be($"127.0.0.1:{server.Port}");
        server.IsRunning.Should().BeTrue();
        (await server.CommandAsync("PING")).Should().Be("PONG");
        (await server.CommandAsync("CONFIG GET bind")).Should().Be("*2");

        await server.DisposeAsync();

        server.IsRunning.Should().BeFalse();
        Directory.Exists(directory).Should().BeFalse();
    }

    [Fact]
    public async Task RestartAsync_AppendOnly_KeepsDataAndPort()
    {
        await using RedisServer server = await RedisServer.StartAsync(appendOnly: true);
        int port = server.Port;
        (await server.CommandAsync("SET survivor yes")).Should().Be("OK");

        await server.RestartAsync();

        server.Port.Should().Be(port);
        (await server.CommandAsync("GET survivor")).Should().Be("yes");
    }

    [Fact]
    public async Task KillAsync_StopsServerAndRestartBringsItBack()
    {
        await using RedisServer server = await RedisServer.StartAsync();

        await server.KillAsync();
        server.IsRunning.Should().BeFalse();
        await server.RestartAsync();

        (await server.CommandAsync("PING")).Should().Be("PONG");
    }

    [Fact]
    public async Task StartAsync_TwoServers_GetDifferentPorts()
    {
        await using RedisServer first = await RedisServer.StartAsync();
        await using RedisServer second = await RedisServer.StartAsync();

        first.Port.Should().NotBe(second.Port);
    }
}

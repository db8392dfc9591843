using TelemetryPipeline.State.Resp;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.State.Tests;

/// <summary>Failure modes that need a server of their own (restarted, killed or stalled).</summary>
public sealed class RedisConnectionFailureTests
{
    [Fact]
    public async Task ExecuteAsync_AfterServerRestart_ReconnectsAndSucceeds()
    {
        await using RedisServer server = await RedisServer.StartAsync(appendOnly: true);
        await using var connection = await RedisConnection.ConnectAsync(Options(server), CancellationToken.None);
        using (var set = RedisArgs.Of("k", "v"))
        {
            await connection.ExecuteAsync("SET", set, CancellationToken.None);
        }

        await server.RestartAsync();

        using var get = RedisArgs.Of("k");
        RedisValue value = await Retry(() => connection.ExecuteAsync("GET", get, CancellationToken.None));
        value.AsString().Should().Be("v", "the append-only file survived the restart");
        connection.Connects.Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task ExecuteAsync_ServerKilled_InFlightFailsRetriablyThenReconnectsWhenBack()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server), CancellationToken.None);
        using var sleep = RedisArgs.Of("SLEEP", "2");
        Task<RedisValue> inFlight = connection.ExecuteAsync("DEBUG", sleep, CancellationToken.None);
        await Task.Delay(100);

        await server.KillAsync();

        var lost = (await inFlight.Awaiting(t => t).Should().ThrowAsync<RedisConnectionException>()).Which;
        lost.IsRetriable.Should().BeTrue();

        await server.RestartAsync();
        RedisValue pong = await Retry(() => connection.ExecuteAsync("PING", null, CancellationToken.None));
        pong.AsString().Should().Be("PONG");
        connection.IsConnected.Should().BeTrue();
    }

    [Fact]
    public async Task ExecuteAsync_ServerDownLongerThanConnectTimeout_FailsWithConnectionException()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        var options = Options(server) with { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
        await using var connection = await RedisConnection.ConnectAsync(options, CancellationToken.None);
        await server.KillAsync();
        await Task.Delay(100);

        Func<Task> act = () => connection.ExecuteAsync("PING", null, CancellationToken.None);

        (await act.Should().ThrowAsync<RedisConnectionException>()).Which.IsRetriable.Should().BeTrue();
    }

    [Fact]
    public async Task ExecuteAsync_ReplySlowerThanCommandTimeout_ThrowsTimeoutAndNextCommandGetsItsOwnReply()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        var options = Options(server) with { CommandTimeout = TimeSpan.FromMilliseconds(200) };
        await using var connection = await RedisConnection.ConnectAsync(options, CancellationToken.None);
        using var sleep = RedisArgs.Of("SLEEP", "1");

        Func<Task> act = () => connection.ExecuteAsync("DEBUG", sleep, CancellationToken.None);

        var timeout = (await act.Should().ThrowAsync<RedisTimeoutException>()).Which;
        timeout.IsRetriable.Should().BeTrue();
        timeout.Message.Should().Contain("DEBUG").And.Contain("200 ms");

        // The late "+OK" of DEBUG SLEEP must be consumed by the timed-out command, not handed to ECHO.
        await Task.Delay(1000);
        using var echo = RedisArgs.Of("mine");
        (await connection.ExecuteAsync("ECHO", echo, CancellationToken.None)).AsString().Should().Be("mine");
    }

    private static RedisOptions Options(RedisServer server) => new()
    {
        Endpoint = server.Endpoint,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(5),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>What a caller does with retriable errors: try again a few times.</summary>
    private static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RedisException ex) when (ex.IsRetriable && attempt < 20)
            {
                await Task.Delay(50);
            }
        }
    }
}

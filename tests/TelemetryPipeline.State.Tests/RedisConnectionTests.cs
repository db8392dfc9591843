using System.Text;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisConnectionTests(RedisFixture redis)
{
    private readonly RedisConnection _connection = redis.Connection;

    [Fact]
    public async Task ExecuteAsync_Ping_ReturnsPong()
    {
        RedisValue reply = await _connection.ExecuteAsync("PING", null, CancellationToken.None);

        reply.AsString().Should().Be("PONG");
    }

    [Fact]
    public async Task ExecuteAsync_SetThenGetBinaryValue_RoundTrips()
    {
        string key = Key();
        byte[] value = new byte[1_000_000];
        new Random(7).NextBytes(value);
        using (var set = new RedisArgs().Add(key).Add(value))
        {
            (await _connection.ExecuteAsync("SET", set, CancellationToken.None)).AsString().Should().Be("OK");
        }

        using var get = RedisArgs.Of(key);
        RedisValue reply = await _connection.ExecuteAsync("GET", get, CancellationToken.None);

        reply.ToBytes().Should().Equal(value);
    }

    [Fact]
    public async Task ExecuteAsync_MissingKey_ReturnsNull()
    {
        using var args = RedisArgs.Of(Key());

        (await _connection.ExecuteAsync("GET", args, CancellationToken.None)).IsNull.Should().BeTrue();
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReply_ThrowsServerExceptionAndConnectionStaysUsable()
    {
        string key = Key();
        using (var set = RedisArgs.Of(key, "text"))
        {
            await _connection.ExecuteAsync("SET", set, CancellationToken.None);
        }

        using var incr = RedisArgs.Of(key);
        Func<Task> act = () => _connection.ExecuteAsync("INCR", incr, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<RedisServerException>()).Which;
        error.ErrorCode.Should().Be("ERR");
        error.IsRetriable.Should().BeFalse();
        (await _connection.ExecuteAsync("PING", null, CancellationToken.None)).AsString().Should().Be("PONG");
    }

    [Fact]
    public async Task ExecuteAsync_WrongType_ReportsWrongTypeCode()
    {
        string key = Key();
        using (var push = RedisArgs.Of(key, "x"))
        {
            await _connection.ExecuteAsync("RPUSH", push, CancellationToken.None);
        }

        using var get = RedisArgs.Of(key);
        Func<Task> act = () => _connection.ExecuteAsync("GET", get, CancellationToken.None);

        (await act.Should().ThrowAsync<RedisServerException>()).Which.ErrorCode.Should().Be("WRONGTYPE");
    }

    [Fact]
    public async Task ExecutePipelineAsync_TenThousandCommands_RepliesInOrder()
    {
        string key = Key();
        var requests = new RedisRequest[10_000];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = new RedisRequest("INCR", RedisArgs.Of(key));
        }

        RedisValue[] replies = await _connection.ExecutePipelineAsync(requests, CancellationToken.None);

        foreach (RedisRequest request in requests)
        {
            request.Args!.Dispose();
        }

        replies.Should().HaveCount(10_000);
        for (int i = 0; i < replies.Length; i++)
        {
            replies[i].AsInt64().Should().Be(i + 1);
        }
    }

    [Fact]
    public async Task ExecuteAsync_TenThousandConcurrentCommands_EachGetsItsOwnReply()
    {
        string prefix = Key();
        var tasks = new Task<RedisValue>[10_000];
        var args = new RedisArgs[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            args[i] = RedisArgs.Of($"{prefix}:{i % 100}");
            tasks[i] = _connection.ExecuteAsync("INCR", args[i], CancellationToken.None);
        }

        RedisValue[] replies = await Task.WhenAll(tasks);

        foreach (RedisArgs a in args)
        {
            a.Dispose();
        }

        // Per key the increments were applied in send order, so reply i is (i / 100) + 1.
        for (int i = 0; i < replies.Length; i++)
        {
            replies[i].AsInt64().Should().Be((i / 100) + 1);
        }
    }

    [Fact]
    public async Task ExecutePipelineAsync_ErrorInTheMiddle_ReturnsErrorAsValue()
    {
        string key = Key();
        using var set = RedisArgs.Of(key, "abc");
        using var bad = RedisArgs.Of(key);
        using var get = RedisArgs.Of(key);

        RedisValue[] replies = await _connection.ExecutePipelineAsync(
            [new("SET", set), new("INCR", bad), new("GET", get)], CancellationToken.None);

        replies[0].AsString().Should().Be("OK");
        replies[1].IsError.Should().BeTrue();
        replies[2].AsString().Should().Be("abc");
    }

    [Fact]
    public async Task ExecuteAsync_NestedArrayReplyWithNulls_Parses()
    {
        using var args = RedisArgs.Of("return {1, {'a', false, {2}}, 'b'}", "0");

        RedisValue reply = await _connection.ExecuteAsync("EVAL", args, CancellationToken.None);

        reply.Items.Length.Should().Be(3);
        reply.Items[0].AsInt64().Should().Be(1);
        reply.Items[1].Items[0].AsString().Should().Be("a");
        reply.Items[1].Items[1].IsNull.Should().BeTrue();
        reply.Items[1].Items[2].Items[0].AsInt64().Should().Be(2);
        reply.Items[2].AsString().Should().Be("b");
    }

    [Fact]
    public async Task EvalShaAsync_AfterScriptFlush_FallsBackToEvalAndCachesAgain()
    {
        // A script unique to this test, so other tests running meanwhile cannot load it first.
        var script = new RedisScript($"-- {Guid.NewGuid()}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");
        await using var connection = await RedisConnection.ConnectAsync(redis.Options(), CancellationToken.None);
        string key = Key();
        using var args = RedisArgs.Of("5");

        (await connection.EvalShaAsync(script, [key], args, CancellationToken.None)).AsInt64().Should().Be(5);
        connection.ScriptFallbacks.Should().Be(1, "the server had never seen the script");

        (await connection.EvalShaAsync(script, [key], args, CancellationToken.None)).AsInt64().Should().Be(10);
        connection.ScriptFallbacks.Should().Be(1, "EVAL cached the script");

        using (var flush = RedisArgs.Of("FLUSH"))
        {
            await connection.ExecuteAsync("SCRIPT", flush, CancellationToken.None);
        }

        (await connection.EvalShaAsync(script, [key], args, CancellationToken.None)).AsInt64().Should().Be(15);
        connection.ScriptFallbacks.Should().Be(2);
    }

    [Fact]
    public async Task EvalShaAsync_ScriptError_ThrowsServerException()
    {
        var script = new RedisScript("return redis.error_reply('ERR boom')");
        using var args = new RedisArgs();

        Func<Task> act = () => _connection.EvalShaAsync(script, [], args, CancellationToken.None);

        (await act.Should().ThrowAsync<RedisServerException>()).Which.Message.Should().Contain("boom");
    }

    [Fact]
    public async Task LoadScriptAsync_ReturnsSha1()
    {
        var script = new RedisScript("return 'loaded'");

        (await _connection.LoadScriptAsync(script, CancellationToken.None)).Should().Be(script.Sha1);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledWhileWaiting_ThrowsOperationCanceledAndLaterRepliesStayMatched()
    {
        await using var connection = await RedisConnection.ConnectAsync(redis.Options(), CancellationToken.None);
        using var sleep = RedisArgs.Of("SLEEP", "0.3");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Func<Task> act = () => connection.ExecuteAsync("DEBUG", sleep, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        using var echo = RedisArgs.Of("after");
        (await connection.ExecuteAsync("ECHO", echo, CancellationToken.None)).AsString().Should().Be("after");
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsRetriableConnectionException()
    {
        var options = redis.Options() with { Endpoint = "127.0.0.1:1", ConnectTimeout = TimeSpan.FromMilliseconds(500) };

        Func<Task> act = () => RedisConnection.ConnectAsync(options, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<RedisConnectionException>()).Which;
        error.IsRetriable.Should().BeTrue();
        error.Message.Should().Contain("127.0.0.1:1");
    }

    private static string Key() => "conn-test:" + Guid.NewGuid().ToString("N");
}

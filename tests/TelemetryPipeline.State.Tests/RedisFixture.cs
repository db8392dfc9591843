using TelemetryPipeline.State.Resp;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.State.Tests;

/// <summary>
/// One redis-server for the whole test assembly (xunit collection fixture). Tests isolate themselves with a unique
/// <see cref="RedisOptions.KeyPrefix"/> from <see cref="Options"/> instead of flushing the server. Tests that restart,
/// kill or stall a server start their own <see cref="RedisServer"/>.
/// Usage: <c>[Collection(RedisCollection.Name)]</c> on the class and a <see cref="RedisFixture"/> constructor parameter.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private RedisConnection? _connection;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>A connection shared by the tests (it is thread-safe and pipelines concurrent callers).</summary>
    public RedisConnection Connection => _connection ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Options for the shared server with a key prefix no other test uses.</summary>
    public RedisOptions Options(int shards = 1) => new()
    {
        Endpoint = Server.Endpoint,
        KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..12],
        Shards = shards,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A store on the shared connection, isolated by a fresh key prefix.</summary>
    public RedisTelemetryStore Store(int shards = 1) => new(Connection, Options(shards));

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync().ConfigureAwait(false);
        _connection = await RedisConnection.ConnectAsync(Options(), CancellationToken.None).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

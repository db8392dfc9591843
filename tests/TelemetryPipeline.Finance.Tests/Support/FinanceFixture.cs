using Npgsql;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Finance.Tests.Support;

/// <summary>
/// One PostgreSQL cluster and one redis-server for the whole assembly. Each test gets its own ledger database (a copy
/// of one migrated once per run) and its own Redis key prefix, so tests never see each other's data.
/// </summary>
public sealed class FinanceFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private RedisConnection? _connection;
    private string? _template;

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("The fixture has not started.");

    public RedisServer Redis => _redis ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>A connection shared by the tests (thread-safe, pipelines concurrent callers).</summary>
    public RedisConnection RedisConnection => _connection ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        Task<PostgresServer> postgres = PostgresServer.StartAsync();
        Task<RedisServer> redis = RedisServer.StartAsync();
        _redis = await redis;
        _postgres = await postgres;
        _connection = await RedisConnection.ConnectAsync(RedisOptions(), CancellationToken.None);
        _template = await Postgres.CreateDatabaseAsync("finance_template");
        // Unpooled: PostgreSQL copies a template only while nobody is connected to it.
        string cs = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString(_template)) { Pooling = false }.ConnectionString;
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(cs);
        await new LedgerMigrator(dataSource).MigrateAsync();
    }

    /// <summary>Options for the shared Redis with a key prefix no other test uses.</summary>
    public RedisOptions RedisOptions() => new()
    {
        Endpoint = Redis.Endpoint,
        KeyPrefix = "f" + Guid.NewGuid().ToString("N")[..12],
        CommandTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A fresh, migrated ledger database; returns its connection string.</summary>
    public async Task<string> CreateLedgerDatabaseAsync(string prefix)
    {
        string name = await Postgres.CreateDatabaseAsync(prefix, _template);
        return Postgres.ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>Every test class that needs PostgreSQL or Redis is in this collection (one server each, shared).</summary>
[CollectionDefinition(Name)]
public sealed class FinanceCollection : ICollectionFixture<FinanceFixture>
{
    public const string Name = "finance";
}

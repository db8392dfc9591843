using Npgsql;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Ledger.Tests;

/// <summary>One PostgreSQL cluster for the whole test assembly; each test gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private string? _template;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture has not started.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>
    /// A fresh database with a store over it: a copy of a database migrated once per run (migrations have their own
    /// tests), or an empty one when <paramref name="migrate"/> is false.
    /// </summary>
    public async Task<LedgerDatabase> CreateLedgerAsync(string prefix, AutoApprovalPolicy? autoApproval = null, bool migrate = true)
    {
        string name = await Server.CreateDatabaseAsync(prefix, migrate ? await MigratedTemplateAsync() : null);
        return new LedgerDatabase(Server.ConnectionString(name), autoApproval);
    }

    private async Task<string> MigratedTemplateAsync()
    {
        if (_template is not null)
        {
            return _template;
        }

        string name = await Server.CreateDatabaseAsync("ledger_template");
        // Unpooled: PostgreSQL copies a template only while nobody is connected to it.
        string cs = new NpgsqlConnectionStringBuilder(Server.ConnectionString(name)) { Pooling = false }.ConnectionString;
        await using (NpgsqlDataSource dataSource = NpgsqlDataSource.Create(cs))
        {
            await new LedgerMigrator(dataSource).MigrateAsync();
        }

        _template = name;
        return name;
    }
}

/// <summary>Every test class that talks to PostgreSQL is in this collection: they share the server and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>One test's database: a data source and a <see cref="LedgerStore"/> over it, plus raw SQL for assertions.</summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    private readonly List<NpgsqlDataSource> _extra = [];

    public LedgerDatabase(string connectionString, AutoApprovalPolicy? autoApproval)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Store = new LedgerStore(DataSource, autoApproval);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public LedgerStore Store { get; }

    /// <summary>Another store with its own connection pool, as a second application instance would have.</summary>
    public LedgerStore NewInstance(AutoApprovalPolicy? autoApproval = null)
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        _extra.Add(dataSource);
        return new LedgerStore(dataSource, autoApproval);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using NpgsqlCommand command = DataSource.CreateCommand(sql);
        foreach (object p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using NpgsqlCommand command = DataSource.CreateCommand(sql);
        foreach (object p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        foreach (NpgsqlDataSource extra in _extra)
        {
            await extra.DisposeAsync();
        }
    }
}

using Npgsql;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture fixture)
{
    [Fact]
    public async Task CreateDatabaseAsync_SamePrefix_GivesDistinctUsableDatabases()
    {
        string first = await fixture.Server.CreateDatabaseAsync("Same Prefix!");
        string second = await fixture.Server.CreateDatabaseAsync("Same Prefix!");

        first.Should().NotBe(second).And.StartWith("same_prefix_");
        await using var connection = new NpgsqlConnection(fixture.Server.ConnectionString(second));
        await connection.OpenAsync();
        connection.Database.Should().Be(second);
        connection.Host.Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task RestartAsync_CommittedData_SurvivesOnTheSamePort()
    {
        string name = await fixture.Server.CreateDatabaseAsync("restart_keeps");
        int port = fixture.Server.Port;
        string cs = new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString(name)) { Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE t (x int); INSERT INTO t VALUES (42);", connection);
            await command.ExecuteNonQueryAsync();
        }

        await fixture.Server.RestartAsync();

        fixture.Server.Port.Should().Be(port);
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT x FROM t", connection);
            (await command.ExecuteScalarAsync()).Should().Be(42);
        }
    }
}

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class LedgerMigratorTests(PostgresFixture fixture)
{
    [Fact]
    public void Migrations_Embedded_AreNumberedFromOne()
    {
        LedgerMigrator.Migrations.Should().NotBeEmpty();
        LedgerMigrator.Migrations.Select(m => m.Version).Should().Equal(Enumerable.Range(1, LedgerMigrator.Migrations.Count));
        LedgerMigrator.Migrations[0].Name.Should().Be("initial");
    }

    [Fact]
    public async Task MigrateAsync_FreshDatabase_AppliesAllThenNothing()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("migrate_twice", migrate: false);
        var migrator = new LedgerMigrator(db.DataSource);

        (await migrator.GetAppliedVersionsAsync()).Should().BeEmpty();
        IReadOnlyList<int> first = await migrator.MigrateAsync();
        IReadOnlyList<int> second = await migrator.MigrateAsync();

        first.Should().Equal(LedgerMigrator.Migrations.Select(m => m.Version));
        second.Should().BeEmpty();
        (await migrator.GetAppliedVersionsAsync()).Should().Equal(first);
        (await db.ScalarAsync<long>("SELECT count(*) FROM schema_migrations")).Should().Be(LedgerMigrator.Migrations.Count);
        (await db.Store.IsReadyAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task MigrateAsync_FourInstancesAtOnce_AppliesEachMigrationExactlyOnce()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("migrate_race", migrate: false);
        LedgerStore[] instances = [db.NewInstance(), db.NewInstance(), db.NewInstance(), db.NewInstance()];

        IReadOnlyList<int>[] results = await Task.WhenAll(instances.Select(s => Task.Run(() => s.MigrateAsync())));

        results.SelectMany(r => r).Should().Equal(LedgerMigrator.Migrations.Select(m => m.Version), "exactly one instance applies each script");
        (await db.ScalarAsync<long>("SELECT count(*) FROM schema_migrations")).Should().Be(LedgerMigrator.Migrations.Count);
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptEdited_RefusesWithClearError()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("migrate_edited");
        await db.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");

        Func<Task> act = () => db.Store.MigrateAsync();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*0001_initial*edited*");
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromNewerBuild_Refuses()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("migrate_newer");
        await db.ExecuteAsync("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')");

        Func<Task> act = () => db.Store.MigrateAsync();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*999*newer*");
        (await db.Store.IsReadyAsync()).Should().BeFalse();
    }
}

using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace TelemetryPipeline.Ledger;

/// <summary>One numbered schema script (<c>Migrations/0001_initial.sql</c> …), embedded in this assembly.</summary>
public sealed record LedgerMigration(int Version, string Name, string Sql, string Checksum);

/// <summary>
/// Brings the ledger schema up to date: applies the embedded scripts the database has not seen, in version order, in
/// one transaction under a PostgreSQL advisory lock, so instances starting together never race and a failed script
/// leaves nothing half-applied. Running it again applies nothing.
/// </summary>
public sealed class LedgerMigrator
{
    // Any constant works as long as every instance uses the same one: "TPLedger" in ASCII.
    private const long AdvisoryLockKey = 0x54504C6564676572;

    private static readonly Lazy<IReadOnlyList<LedgerMigration>> s_migrations = new(LoadMigrations);

    private readonly NpgsqlDataSource _dataSource;

    public LedgerMigrator(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>All scripts this build knows, in version order.</summary>
    public static IReadOnlyList<LedgerMigration> Migrations => s_migrations.Value;

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>
    /// Applies the missing migrations and returns their versions (empty when the schema was current). Throws
    /// <see cref="InvalidOperationException"/> when the database was migrated by a newer build or an applied script
    /// has since been edited.
    /// </summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Transaction-scoped: released by COMMIT or ROLLBACK, even if this process dies mid-way.
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", ct).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            tx,
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer      PRIMARY KEY,
                name        text         NOT NULL,
                checksum    text         NOT NULL,
                applied_at  timestamptz  NOT NULL DEFAULT now()
            )
            """,
            ct).ConfigureAwait(false);

        Dictionary<int, string> applied = await ReadAppliedAsync(connection, tx, ct).ConfigureAwait(false);
        foreach ((int version, _) in applied)
        {
            if (version > LatestVersion)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The ledger database is at schema version {version}, newer than this build knows ({LatestVersion}). Run a newer build."));
            }
        }

        var done = new List<int>();
        foreach (LedgerMigration migration in Migrations)
        {
            if (applied.TryGetValue(migration.Version, out string? checksum))
            {
                if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"Ledger migration {migration.Version:0000}_{migration.Name} was edited after it was applied (checksum differs). Restore the script and add a new migration instead."));
                }

                continue;
            }

            await ExecuteAsync(connection, tx, migration.Sql, ct).ConfigureAwait(false);
            await using (var insert = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, tx))
            {
                insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Checksum });
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            done.Add(migration.Version);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return done;
    }

    /// <summary>The versions recorded in <c>schema_migrations</c> (empty for a database never migrated).</summary>
    public async Task<IReadOnlyList<int>> GetAppliedVersionsAsync(CancellationToken ct = default)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            {
                return [];
            }
        }

        Dictionary<int, string> applied = await ReadAppliedAsync(connection, null, ct).ConfigureAwait(false);
        var versions = applied.Keys.ToList();
        versions.Sort();
        return versions;
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection, tx);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static IReadOnlyList<LedgerMigration> LoadMigrations()
    {
        Assembly assembly = typeof(LedgerMigrator).Assembly;
        var migrations = new List<LedgerMigration>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            const string Prefix = "Migrations/";
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            string file = resource[Prefix.Length..^".sql".Length];
            int underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                throw new InvalidOperationException($"Ledger migration '{resource}' must be named NNNN_name.sql.");
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            // Line endings are normalized so a checkout with CRLF does not look like an edited script.
            string sql = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
            string checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new LedgerMigration(version, file[(underscore + 1)..], sql, checksum));
        }

        migrations.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Ledger migrations must be numbered 1, 2, 3 … without gaps or duplicates; found version {migrations[i].Version} at position {i + 1}."));
            }
        }

        if (migrations.Count == 0)
        {
            throw new InvalidOperationException("No ledger migrations are embedded in TelemetryPipeline.Ledger.");
        }

        return migrations;
    }
}

using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

/// <summary>
/// The allocation ledger in PostgreSQL: staging (idempotent by allocation id), queries, status transitions with one
/// audit row each, settlement exceptions and runs. Every unit of work is one transaction; when PostgreSQL is briefly
/// unreachable a unit is retried only if it cannot have been committed (see <see cref="LedgerException"/>).
/// </summary>
public sealed partial class LedgerStore : IAsyncDisposable
{
    /// <summary>The audit actor of staging when the caller does not name one.</summary>
    public const string SettlementActor = "settlement";

    /// <summary>The audit actor of posting outcomes (<see cref="MarkPostedAsync"/>, <see cref="MarkPostFailedAsync"/>).</summary>
    public const string PostingActor = "odoo-posting";

    private const int MaxActorLength = 200;
    private const int MaxCommentLength = 4000;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly AutoApprovalPolicy _autoApproval;
    private readonly int _retryAttempts;

    /// <summary>A store over <paramref name="dataSource"/>, which the caller keeps owning.</summary>
    public LedgerStore(NpgsqlDataSource dataSource, AutoApprovalPolicy? autoApproval = null, int retryAttempts = 8)
        : this(dataSource, ownsDataSource: false, autoApproval ?? new AutoApprovalPolicy(), retryAttempts)
    {
    }

    private LedgerStore(NpgsqlDataSource dataSource, bool ownsDataSource, AutoApprovalPolicy autoApproval, int retryAttempts)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAttempts, 1);
        autoApproval.Validate();
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _autoApproval = autoApproval;
        _retryAttempts = retryAttempts;
    }

    /// <summary>The auto-approval policy applied by <see cref="StageAsync"/>.</summary>
    public AutoApprovalPolicy AutoApproval => _autoApproval;

    /// <summary>The data source, for <see cref="LedgerMigrator"/> and health checks.</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Validates <paramref name="options"/> and creates a store that owns its connection pool.</summary>
    public static LedgerStore Create(LedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        builder.ConnectionStringBuilder.CommandTimeout = options.CommandTimeoutSeconds;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "TelemetryPipeline.Ledger";
        }

        return new LedgerStore(builder.Build(), ownsDataSource: true, options.AutoApproval, options.RetryAttempts);
    }

    /// <summary>Applies pending schema migrations (see <see cref="LedgerMigrator"/>); returns the versions applied.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default) => new LedgerMigrator(_dataSource).MigrateAsync(ct);

    /// <summary>True when PostgreSQL answers and the schema is at the version this build knows.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken ct = default)
    {
        try
        {
            IReadOnlyList<int> applied = await new LedgerMigrator(_dataSource).GetAppliedVersionsAsync(ct).ConfigureAwait(false);
            return applied.Count > 0 && applied[^1] == LedgerMigrator.LatestVersion;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and commits. A transient failure before COMMIT is retried on a fresh
    /// connection (the server rolled the transaction back, so nothing is applied twice); one during COMMIT is ambiguous
    /// and surfaces as <see cref="LedgerException.OutcomeUnknown"/>.
    /// </summary>
    private async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool committing = false;
            try
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                T result = await work(connection, tx, ct).ConfigureAwait(false);
                committing = true;
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return result;
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested)
            {
                if (committing)
                {
                    throw new LedgerException(
                        "The connection to the ledger broke during COMMIT: the change may or may not have been applied. Re-read the allocation before repeating it.",
                        ex)
                    { OutcomeUnknown = true };
                }

                await BackOffAsync(attempt, ex, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a read on a pooled connection, retrying transient failures (reads are always safe to repeat).</summary>
    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                return await work(connection, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested)
            {
                await BackOffAsync(attempt, ex, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task BackOffAsync(int attempt, Exception ex, CancellationToken ct)
    {
        if (attempt >= _retryAttempts)
        {
            throw new LedgerException(
                string.Create(CultureInfo.InvariantCulture, $"The ledger database is unreachable after {attempt} attempts ({ex.Message}); nothing was applied. Try again later."),
                ex)
            { IsRetriable = true };
        }

        LedgerMetrics.Retries.Add(1);
        // Idle pooled connections died with the server (restart, failover): drop them rather than fail on each in turn.
        _dataSource.Clear();
        int delayMs = Math.Min(1000, 50 << Math.Min(attempt, 5));
        await Task.Delay(delayMs, ct).ConfigureAwait(false);
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException,
        _ => false,
    };

    private static NpgsqlParameter Param<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    private static NpgsqlParameter NullableParam(object? value, NpgsqlDbType type) =>
        new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static ActorKind ParseActorKind(string wire) => wire switch
    {
        "person" => ActorKind.Person,
        "policy" => ActorKind.Policy,
        "system" => ActorKind.System,
        _ => throw new FormatException($"Unknown actor kind '{wire}' in the ledger audit."),
    };

    private static string ToWire(ActorKind kind) => kind switch
    {
        ActorKind.Person => "person",
        ActorKind.Policy => "policy",
        ActorKind.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

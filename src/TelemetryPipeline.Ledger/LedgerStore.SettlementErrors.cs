using Npgsql;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    /// <summary>
    /// Records a settlement run that failed, with its error (kept next to the successful runs; it stages and replaces
    /// nothing). Returns the run id.
    /// </summary>
    public async Task<long> RecordFailedSettlementRunAsync(SettlementRunRecord run, string error, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(run.Instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return await InTransactionAsync(
            async (connection, tx, token) =>
            {
                await using var insert = new NpgsqlCommand(
                    """
                    INSERT INTO settlement_runs (started_at, finished_at, now_used, period_from, period_to, staged, exceptions, instance, error)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    RETURNING id
                    """,
                    connection,
                    tx);
                insert.Parameters.Add(Param(run.StartedAt.ToUniversalTime()));
                insert.Parameters.Add(Param(run.FinishedAt.ToUniversalTime()));
                insert.Parameters.Add(Param(run.NowUsed.ToUniversalTime()));
                insert.Parameters.Add(NullableParam(run.PeriodFrom, NpgsqlTypes.NpgsqlDbType.Date));
                insert.Parameters.Add(NullableParam(run.PeriodTo, NpgsqlTypes.NpgsqlDbType.Date));
                insert.Parameters.Add(Param(run.Staged));
                insert.Parameters.Add(Param(run.Exceptions));
                insert.Parameters.Add(Param(run.Instance));
                insert.Parameters.Add(Param(Truncate(error)));
                return (long)(await insert.ExecuteScalarAsync(token).ConfigureAwait(false))!;
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>The most recent failed settlement runs, newest first.</summary>
    public async Task<IReadOnlyList<SettlementRunError>> ListFailedSettlementRunsAsync(int limit = 50, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        return await ReadAsync(
            async (connection, token) =>
            {
                await using var command = new NpgsqlCommand(
                    "SELECT id, started_at, finished_at, now_used, instance, error FROM settlement_runs WHERE error IS NOT NULL ORDER BY id DESC LIMIT $1",
                    connection);
                command.Parameters.Add(Param(limit));
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                var rows = new List<SettlementRunError>();
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    rows.Add(new SettlementRunError(
                        reader.GetInt64(0),
                        reader.GetFieldValue<DateTimeOffset>(1),
                        reader.GetFieldValue<DateTimeOffset>(2),
                        reader.GetFieldValue<DateTimeOffset>(3),
                        reader.GetString(4),
                        reader.GetString(5)));
                }

                return (IReadOnlyList<SettlementRunError>)rows;
            },
            ct).ConfigureAwait(false);
    }
}

/// <summary>A settlement run that failed: when, on which instance, settling as of <see cref="NowUsed"/>, and why.</summary>
public sealed record SettlementRunError(long RunId, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, DateTimeOffset NowUsed, string Instance, string Error);

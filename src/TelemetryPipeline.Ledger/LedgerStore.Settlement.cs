using Npgsql;
using NpgsqlTypes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    private const string InsertExceptionsSql = """
        INSERT INTO settlement_exceptions (run_id, kind, period, identifier, equipment_id, project_code, cost_code,
                                           operating_ms, idle_ms, fuel_ml, detail)
        SELECT $1, u.kind, u.period, u.identifier, u.equipment_id, u.project_code, u.cost_code,
               u.operating_ms, u.idle_ms, u.fuel_ml, u.detail
        FROM unnest($2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[],
                    $8::bigint[], $9::bigint[], $10::bigint[], $11::text[]) WITH ORDINALITY
            AS u(kind, period, identifier, equipment_id, project_code, cost_code, operating_ms, idle_ms, fuel_ml, detail, ord)
        ORDER BY u.ord
        """;

    /// <summary>
    /// Replaces the exception list of the periods <paramref name="from"/> through <paramref name="to"/> (the periods a
    /// settlement run recomputed) with <paramref name="exceptions"/>, in one transaction; exceptions of other periods
    /// stay. Returns how many were stored. Every exception must lie in the range.
    /// </summary>
    public async Task<int> ReplaceExceptionsAsync(
        DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, long? runId = null, CancellationToken ct = default)
    {
        ValidateExceptions(from, to, exceptions);
        return await InTransactionAsync(
            (connection, tx, token) => ReplaceExceptionsAsync(connection, tx, from, to, exceptions, runId, token),
            ct).ConfigureAwait(false);
    }

    /// <summary>The current exceptions matching <paramref name="query"/>, ordered by period, kind, identifier.</summary>
    public async Task<IReadOnlyList<SettlementException>> ListExceptionsAsync(ExceptionQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, ExceptionQuery.MaxLimit);
        return await ReadAsync(
            async (connection, token) =>
            {
                await using var command = new NpgsqlCommand(
                    """
                    SELECT kind, period, identifier, equipment_id, project_code, cost_code, operating_ms, idle_ms, fuel_ml, detail
                    FROM settlement_exceptions
                    WHERE ($1::date IS NULL OR period >= $1)
                      AND ($2::date IS NULL OR period <= $2)
                      AND ($3::text IS NULL OR kind = $3)
                      AND ($4::text IS NULL OR project_code = $4)
                    ORDER BY period, kind, identifier, id
                    LIMIT $5
                    """,
                    connection);
                command.Parameters.Add(NullableParam(query.PeriodFrom, NpgsqlDbType.Date));
                command.Parameters.Add(NullableParam(query.PeriodTo, NpgsqlDbType.Date));
                command.Parameters.Add(NullableParam(query.Kind, NpgsqlDbType.Text));
                command.Parameters.Add(NullableParam(query.ProjectCode, NpgsqlDbType.Text));
                command.Parameters.Add(Param(query.Limit));
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                var rows = new List<SettlementException>();
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    rows.Add(new SettlementException(
                        reader.GetString(0),
                        reader.GetFieldValue<DateOnly>(1),
                        reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5),
                        reader.GetInt64(6),
                        reader.GetInt64(7),
                        reader.GetInt64(8),
                        reader.GetString(9)));
                }

                return (IReadOnlyList<SettlementException>)rows;
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a settlement run and returns its id. With <paramref name="exceptions"/> (and the run's period range
    /// set), the run's exception list replaces that of its periods in the same transaction, tagged with the run id.
    /// </summary>
    public async Task<long> RecordSettlementRunAsync(
        SettlementRunRecord run, IReadOnlyList<SettlementException>? exceptions = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(run.Instance);
        if (exceptions is not null)
        {
            if (run.PeriodFrom is not DateOnly from || run.PeriodTo is not DateOnly to)
            {
                throw new ArgumentException("Replacing exceptions needs the run's PeriodFrom and PeriodTo.", nameof(run));
            }

            ValidateExceptions(from, to, exceptions);
        }

        return await InTransactionAsync(
            async (connection, tx, token) =>
            {
                long id;
                await using (var insert = new NpgsqlCommand(
                    """
                    INSERT INTO settlement_runs (started_at, finished_at, now_used, period_from, period_to, staged, exceptions, instance)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    RETURNING id
                    """,
                    connection,
                    tx))
                {
                    insert.Parameters.Add(Param(run.StartedAt.ToUniversalTime()));
                    insert.Parameters.Add(Param(run.FinishedAt.ToUniversalTime()));
                    insert.Parameters.Add(Param(run.NowUsed.ToUniversalTime()));
                    insert.Parameters.Add(NullableParam(run.PeriodFrom, NpgsqlDbType.Date));
                    insert.Parameters.Add(NullableParam(run.PeriodTo, NpgsqlDbType.Date));
                    insert.Parameters.Add(Param(run.Staged));
                    insert.Parameters.Add(Param(run.Exceptions));
                    insert.Parameters.Add(Param(run.Instance));
                    id = (long)(await insert.ExecuteScalarAsync(token).ConfigureAwait(false))!;
                }

                if (exceptions is not null)
                {
                    await ReplaceExceptionsAsync(connection, tx, run.PeriodFrom!.Value, run.PeriodTo!.Value, exceptions, id, token).ConfigureAwait(false);
                }

                return id;
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>The most recent settlement runs, newest first.</summary>
    public async Task<IReadOnlyList<SettlementRunRecord>> ListSettlementRunsAsync(int limit = 50, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        return await ReadAsync(
            async (connection, token) =>
            {
                await using var command = new NpgsqlCommand(
                    """
                    SELECT id, started_at, finished_at, now_used, staged, exceptions, instance, period_from, period_to
                    FROM settlement_runs ORDER BY id DESC LIMIT $1
                    """,
                    connection);
                command.Parameters.Add(Param(limit));
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                var rows = new List<SettlementRunRecord>();
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    rows.Add(new SettlementRunRecord(
                        reader.GetFieldValue<DateTimeOffset>(1),
                        reader.GetFieldValue<DateTimeOffset>(2),
                        reader.GetFieldValue<DateTimeOffset>(3),
                        reader.GetInt32(4),
                        reader.GetInt32(5),
                        reader.GetString(6),
                        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateOnly>(7),
                        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8))
                    { Id = reader.GetInt64(0) });
                }

                return (IReadOnlyList<SettlementRunRecord>)rows;
            },
            ct).ConfigureAwait(false);
    }

    private static async Task<int> ReplaceExceptionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, DateOnly from, DateOnly to,
        IReadOnlyList<SettlementException> exceptions, long? runId, CancellationToken ct)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM settlement_exceptions WHERE period BETWEEN $1 AND $2", connection, tx))
        {
            delete.Parameters.Add(Param(from));
            delete.Parameters.Add(Param(to));
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        if (exceptions.Count == 0)
        {
            return 0;
        }

        int n = exceptions.Count;
        var kind = new string[n];
        var period = new DateOnly[n];
        var identifier = new string[n];
        var equipment = new string?[n];
        var project = new string?[n];
        var cost = new string?[n];
        var operatingMs = new long[n];
        var idleMs = new long[n];
        var fuelMl = new long[n];
        var detail = new string[n];
        for (int i = 0; i < n; i++)
        {
            SettlementException e = exceptions[i];
            kind[i] = e.Kind;
            period[i] = e.Period;
            identifier[i] = e.Identifier;
            equipment[i] = e.EquipmentId;
            project[i] = e.ProjectCode;
            cost[i] = e.CostCode;
            operatingMs[i] = e.OperatingMs;
            idleMs[i] = e.IdleMs;
            fuelMl[i] = e.FuelMl;
            detail[i] = e.Detail ?? string.Empty;
        }

        await using var insert = new NpgsqlCommand(InsertExceptionsSql, connection, tx);
        insert.Parameters.Add(NullableParam(runId, NpgsqlDbType.Bigint));
        insert.Parameters.Add(Param(kind));
        insert.Parameters.Add(Param(period));
        insert.Parameters.Add(Param(identifier));
        insert.Parameters.Add(Param(equipment));
        insert.Parameters.Add(Param(project));
        insert.Parameters.Add(Param(cost));
        insert.Parameters.Add(Param(operatingMs));
        insert.Parameters.Add(Param(idleMs));
        insert.Parameters.Add(Param(fuelMl));
        insert.Parameters.Add(Param(detail));
        return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static void ValidateExceptions(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions)
    {
        ArgumentNullException.ThrowIfNull(exceptions);
        if (to < from)
        {
            throw new ArgumentException($"The period range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is empty.", nameof(to));
        }

        foreach (SettlementException e in exceptions)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(exceptions));
            if (e.Period < from || e.Period > to)
            {
                throw new ArgumentException(
                    $"Exception {e.Kind} of {e.Identifier} is for period {e.Period:yyyy-MM-dd}, outside the replaced range {from:yyyy-MM-dd}..{to:yyyy-MM-dd}.",
                    nameof(exceptions));
            }

            if (string.IsNullOrWhiteSpace(e.Kind) || string.IsNullOrWhiteSpace(e.Identifier))
            {
                throw new ArgumentException("Every exception needs a kind and an identifier.", nameof(exceptions));
            }
        }
    }
}

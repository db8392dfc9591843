using System.Text;
using Npgsql;
using NpgsqlTypes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    private const string AllocationColumns =
        "allocation_id, period, project_code, cost_code, revision, currency, status, created_at, updated_at, odoo_refs, post_error, post_attempts";

    private const string LineSql = """
        SELECT allocation_id, equipment_id, operating_ms, idle_ms, fuel_ml, operating_amount, idle_amount, fuel_amount,
               rate_operating, rate_idle, rate_fuel_included, rate_fuel_price_per_liter, rate_currency, rate_valid_from_ms
        FROM allocation_lines
        WHERE allocation_id = ANY($1)
        ORDER BY allocation_id, line_no
        """;

    /// <summary>One allocation with its lines and bookkeeping, or null when no allocation has that id.</summary>
    public async Task<LedgerEntry?> GetAsync(string allocationId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(allocationId);
        IReadOnlyList<LedgerEntry> found = await ReadAsync(
            (connection, token) => LoadAsync(connection, "WHERE allocation_id = $1", [Param(allocationId)], string.Empty, token),
            ct).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every revision of (period, project, cost code), revision 1 first, whatever their status.</summary>
    public async Task<IReadOnlyList<Allocation>> GetRevisionsAsync(DateOnly period, string projectCode, string costCode, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectCode);
        ArgumentException.ThrowIfNullOrWhiteSpace(costCode);
        IReadOnlyList<LedgerEntry> entries = await ReadAsync(
            (connection, token) => LoadAsync(
                connection,
                "WHERE period = $1 AND project_code = $2 AND cost_code = $3",
                [Param(period), Param(projectCode), Param(costCode)],
                "ORDER BY revision",
                token),
            ct).ConfigureAwait(false);
        return ToAllocations(entries);
    }

    /// <summary>
    /// Every allocation (all revisions, all statuses, with lines) of the periods <paramref name="from"/> through
    /// <paramref name="to"/> inclusive, ordered by period, project, cost code, revision: what settlement needs to
    /// compute the differences of the next revisions.
    /// </summary>
    public async Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        if (to < from)
        {
            return [];
        }

        IReadOnlyList<LedgerEntry> entries = await ReadAsync(
            (connection, token) => LoadAsync(
                connection,
                "WHERE period BETWEEN $1 AND $2",
                [Param(from), Param(to)],
                "ORDER BY period, project_code, cost_code, revision",
                token),
            ct).ConfigureAwait(false);
        return ToAllocations(entries);
    }

    /// <summary>A page of allocations matching <paramref name="query"/>, newest period first, with lines.</summary>
    public async Task<AllocationPage> ListAsync(AllocationQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AllocationQuery.MaxLimit);

        const string Where = """
            WHERE ($1::text IS NULL OR status = $1)
              AND ($2::date IS NULL OR period >= $2)
              AND ($3::date IS NULL OR period <= $3)
              AND ($4::text IS NULL OR project_code = $4)
              AND ($5::text IS NULL OR cost_code = $5)
            """;
        NpgsqlParameter[] Filters() =>
        [
            NullableParam(query.Status?.ToWire(), NpgsqlDbType.Text),
            NullableParam(query.PeriodFrom, NpgsqlDbType.Date),
            NullableParam(query.PeriodTo, NpgsqlDbType.Date),
            NullableParam(query.ProjectCode, NpgsqlDbType.Text),
            NullableParam(query.CostCode, NpgsqlDbType.Text),
        ];

        return await ReadAsync(
            async (connection, token) =>
            {
                int total;
                await using (var count = new NpgsqlCommand("SELECT count(*)::int FROM allocations " + Where, connection))
                {
                    count.Parameters.AddRange(Filters());
                    total = (int)(await count.ExecuteScalarAsync(token).ConfigureAwait(false))!;
                }

                NpgsqlParameter[] parameters = [.. Filters(), Param(query.Limit), Param(query.Offset)];
                IReadOnlyList<LedgerEntry> items = await LoadAsync(
                    connection,
                    Where,
                    parameters,
                    "ORDER BY period DESC, project_code, cost_code, revision LIMIT $6 OFFSET $7",
                    token).ConfigureAwait(false);
                return new AllocationPage(items, total, query.Offset, query.Limit);
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Allocations ready to post to Odoo — approved, or post_failed (to retry) — oldest period first, with lines.
    /// </summary>
    public async Task<IReadOnlyList<LedgerEntry>> ListPostableAsync(int limit = 100, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, AllocationQuery.MaxLimit);
        return await ReadAsync(
            (connection, token) => LoadAsync(
                connection,
                "WHERE status IN ('approved', 'post_failed')",
                [Param(limit)],
                "ORDER BY period, project_code, cost_code, revision LIMIT $1",
                token),
            ct).ConfigureAwait(false);
    }

    /// <summary>The audit trail of one allocation, oldest first (empty when the id is unknown).</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetAuditAsync(string allocationId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(allocationId);
        return await ReadAsync(
            async (connection, token) =>
            {
                await using var command = new NpgsqlCommand(
                    "SELECT id, allocation_id, at, actor, actor_kind, from_status, to_status, comment FROM allocation_audit WHERE allocation_id = $1 ORDER BY id",
                    connection);
                command.Parameters.Add(Param(allocationId));
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                var rows = new List<AuditEntry>();
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    rows.Add(ReadAudit(reader));
                }

                return (IReadOnlyList<AuditEntry>)rows;
            },
            ct).ConfigureAwait(false);
    }

    private static AuditEntry ReadAudit(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetFieldValue<DateTimeOffset>(2),
        reader.GetString(3),
        ParseActorKind(reader.GetString(4)),
        reader.IsDBNull(5) ? null : AllocationStatuses.Parse(reader.GetString(5)),
        AllocationStatuses.Parse(reader.GetString(6)),
        reader.IsDBNull(7) ? null : reader.GetString(7));

    private static async Task<IReadOnlyList<LedgerEntry>> LoadAsync(
        NpgsqlConnection connection, string where, NpgsqlParameter[] parameters, string orderAndLimit, CancellationToken ct)
    {
        var heads = new List<(string Id, DateOnly Period, string Project, string Cost, int Revision, string Currency, AllocationStatus Status,
            DateTimeOffset Created, DateTimeOffset Updated, string? OdooRefs, string? PostError, int PostAttempts)>();
        var sql = new StringBuilder("SELECT ").Append(AllocationColumns).Append(" FROM allocations ").Append(where).Append(' ').Append(orderAndLimit);
        await using (var command = new NpgsqlCommand(sql.ToString(), connection))
        {
            command.Parameters.AddRange(parameters);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                heads.Add((
                    reader.GetString(0),
                    reader.GetFieldValue<DateOnly>(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetInt32(4),
                    reader.GetString(5),
                    AllocationStatuses.Parse(reader.GetString(6)),
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10),
                    reader.GetInt32(11)));
            }
        }

        if (heads.Count == 0)
        {
            return [];
        }

        var ids = new string[heads.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = heads[i].Id;
        }

        var lines = new Dictionary<string, List<AllocationLine>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(LineSql, connection))
        {
            command.Parameters.Add(Param(ids));
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                string id = reader.GetString(0);
                if (!lines.TryGetValue(id, out List<AllocationLine>? list))
                {
                    list = [];
                    lines.Add(id, list);
                }

                list.Add(new AllocationLine(
                    reader.GetString(1),
                    reader.GetInt64(2),
                    reader.GetInt64(3),
                    reader.GetInt64(4),
                    reader.GetDecimal(5),
                    reader.GetDecimal(6),
                    reader.GetDecimal(7),
                    new AppliedRate(
                        reader.GetDecimal(8),
                        reader.GetDecimal(9),
                        reader.GetBoolean(10),
                        reader.GetDecimal(11),
                        reader.GetString(12),
                        reader.GetInt64(13))));
            }
        }

        var entries = new List<LedgerEntry>(heads.Count);
        foreach (var h in heads)
        {
            IReadOnlyList<AllocationLine> allocationLines = lines.TryGetValue(h.Id, out List<AllocationLine>? found) ? found : [];
            var allocation = new Allocation(h.Period, h.Project, h.Cost, h.Revision, h.Currency, h.Status, allocationLines);
            entries.Add(new LedgerEntry(allocation, h.Created, h.Updated, h.OdooRefs, h.PostError, h.PostAttempts));
        }

        return entries;
    }

    private static List<Allocation> ToAllocations(IReadOnlyList<LedgerEntry> entries)
    {
        var result = new List<Allocation>(entries.Count);
        foreach (LedgerEntry entry in entries)
        {
            result.Add(entry.Allocation);
        }

        return result;
    }
}

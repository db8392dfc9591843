using Npgsql;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    // Each statement upserts a whole array of records; the WHERE keeps an unchanged record untouched, so the count
    // returned is the number of records that changed something.
    private const string UpsertAliasesSql = """
        INSERT INTO master_aliases AS t (scheme, value, equipment_id)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
        ON CONFLICT (scheme, value) DO UPDATE
            SET equipment_id = EXCLUDED.equipment_id, updated_at = now()
            WHERE t.equipment_id IS DISTINCT FROM EXCLUDED.equipment_id
        """;

    private const string UpsertAssignmentsSql = """
        INSERT INTO master_assignments AS t (equipment_id, valid_from_ms, valid_to_ms, project_code, cost_code)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
        ON CONFLICT (equipment_id, valid_from_ms) DO UPDATE
            SET valid_to_ms = EXCLUDED.valid_to_ms, project_code = EXCLUDED.project_code, cost_code = EXCLUDED.cost_code,
                updated_at = now()
            WHERE (t.valid_to_ms, t.project_code, t.cost_code)
                  IS DISTINCT FROM (EXCLUDED.valid_to_ms, EXCLUDED.project_code, EXCLUDED.cost_code)
        """;

    // numeric equality ignores trailing zeros (85.5 = 85.50); a rate only counts as changed when its value does. The
    // scale is part of the text, though, so a changed value is stored with the scale it was sent with.
    private const string UpsertRatesSql = """
        INSERT INTO master_rates AS t (equipment_id, valid_from_ms, ownership, operating_rate, idle_rate, fuel_included,
                                       fuel_price_per_liter, currency)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::numeric[], $5::numeric[], $6::boolean[],
                             $7::numeric[], $8::text[])
        ON CONFLICT (equipment_id, valid_from_ms) DO UPDATE
            SET ownership = EXCLUDED.ownership, operating_rate = EXCLUDED.operating_rate, idle_rate = EXCLUDED.idle_rate,
                fuel_included = EXCLUDED.fuel_included, fuel_price_per_liter = EXCLUDED.fuel_price_per_liter,
                currency = EXCLUDED.currency, updated_at = now()
            WHERE (t.ownership, t.operating_rate, t.idle_rate, t.fuel_included, t.fuel_price_per_liter, t.currency)
                  IS DISTINCT FROM (EXCLUDED.ownership, EXCLUDED.operating_rate, EXCLUDED.idle_rate, EXCLUDED.fuel_included,
                                    EXCLUDED.fuel_price_per_liter, EXCLUDED.currency)
        """;

    /// <summary>
    /// Upserts a master-data batch in one transaction (a settlement never sees half a batch); within the batch a later
    /// record with the same key wins, as it would on the compacted topic. Returns how many records changed something.
    /// </summary>
    internal async Task<int> UpsertMasterDataAsync(MasterDataBatch batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        List<EquipmentAlias> aliases = LastByKey(batch.Aliases, static a => (a.Scheme, a.Value));
        List<EquipmentAssignment> assignments = LastByKey(batch.Assignments, static a => (a.EquipmentId, a.ValidFromMs));
        List<EquipmentRate> rates = LastByKey(batch.Rates, static r => (r.EquipmentId, r.ValidFromMs));
        if (aliases.Count + assignments.Count + rates.Count == 0)
        {
            return 0;
        }

        return await InTransactionAsync(
            async (connection, tx, token) =>
            {
                await using var statements = new NpgsqlBatch(connection, tx);
                if (aliases.Count > 0)
                {
                    var command = new NpgsqlBatchCommand(UpsertAliasesSql);
                    command.Parameters.Add(Param(aliases.Select(static a => a.Scheme).ToArray()));
                    command.Parameters.Add(Param(aliases.Select(static a => a.Value).ToArray()));
                    command.Parameters.Add(Param(aliases.Select(static a => a.EquipmentId).ToArray()));
                    statements.BatchCommands.Add(command);
                }

                if (assignments.Count > 0)
                {
                    var command = new NpgsqlBatchCommand(UpsertAssignmentsSql);
                    command.Parameters.Add(Param(assignments.Select(static a => a.EquipmentId).ToArray()));
                    command.Parameters.Add(Param(assignments.Select(static a => a.ValidFromMs).ToArray()));
                    command.Parameters.Add(Param(assignments.Select(static a => a.ValidToMs).ToArray()));
                    command.Parameters.Add(Param(assignments.Select(static a => a.ProjectCode).ToArray()));
                    command.Parameters.Add(Param(assignments.Select(static a => a.CostCode).ToArray()));
                    statements.BatchCommands.Add(command);
                }

                if (rates.Count > 0)
                {
                    var command = new NpgsqlBatchCommand(UpsertRatesSql);
                    command.Parameters.Add(Param(rates.Select(static r => r.EquipmentId).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.ValidFromMs).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => OwnershipToWire(r.Ownership)).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.OperatingRate).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.IdleRate).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.FuelIncluded).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.FuelPricePerLiter).ToArray()));
                    command.Parameters.Add(Param(rates.Select(static r => r.Currency).ToArray()));
                    statements.BatchCommands.Add(command);
                }

                return await statements.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>Every alias, assignment and rate, read in one repeatable-read transaction (one consistent state).</summary>
    internal async Task<(List<EquipmentAlias> Aliases, List<EquipmentAssignment> Assignments, List<EquipmentRate> Rates)> LoadMasterDataAsync(CancellationToken ct)
    {
        return await InTransactionAsync(
            async (connection, tx, token) =>
            {
                await using (var isolation = new NpgsqlCommand("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", connection, tx))
                {
                    await isolation.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                var aliases = new List<EquipmentAlias>();
                await using (var command = new NpgsqlCommand("SELECT scheme, value, equipment_id FROM master_aliases ORDER BY scheme, value", connection, tx))
                await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        aliases.Add(new EquipmentAlias(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                    }
                }

                var assignments = new List<EquipmentAssignment>();
                await using (var command = new NpgsqlCommand(
                    "SELECT equipment_id, project_code, cost_code, valid_from_ms, valid_to_ms FROM master_assignments ORDER BY equipment_id, valid_from_ms",
                    connection,
                    tx))
                await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        assignments.Add(new EquipmentAssignment(
                            reader.GetString(0),
                            reader.GetString(1),
                            reader.GetString(2),
                            reader.GetInt64(3),
                            reader.IsDBNull(4) ? null : reader.GetInt64(4)));
                    }
                }

                var rates = new List<EquipmentRate>();
                await using (var command = new NpgsqlCommand(
                    """
                    SELECT equipment_id, ownership, operating_rate, idle_rate, fuel_included, fuel_price_per_liter, currency, valid_from_ms
                    FROM master_rates ORDER BY equipment_id, valid_from_ms
                    """,
                    connection,
                    tx))
                await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        rates.Add(new EquipmentRate(
                            reader.GetString(0),
                            ParseOwnership(reader.GetString(1)),
                            reader.GetDecimal(2),
                            reader.GetDecimal(3),
                            reader.GetBoolean(4),
                            reader.GetDecimal(5),
                            reader.GetString(6),
                            reader.GetInt64(7)));
                    }
                }

                return (aliases, assignments, rates);
            },
            ct).ConfigureAwait(false);
    }

    private static List<T> LastByKey<T, TKey>(IReadOnlyList<T> records, Func<T, TKey> key)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(records);
        var index = new Dictionary<TKey, int>(records.Count);
        var result = new List<T>(records.Count);
        foreach (T record in records)
        {
            ArgumentNullException.ThrowIfNull(record, nameof(records));
            TKey k = key(record);
            if (index.TryGetValue(k, out int at))
            {
                result[at] = record;
            }
            else
            {
                index[k] = result.Count;
                result.Add(record);
            }
        }

        return result;
    }

    private static string OwnershipToWire(Ownership ownership) => ownership switch
    {
        Ownership.Owned => "owned",
        Ownership.Rented => "rented",
        _ => throw new ArgumentOutOfRangeException(nameof(ownership), ownership, "Ownership must be Owned or Rented."),
    };

    private static Ownership ParseOwnership(string wire) => wire switch
    {
        "owned" => Ownership.Owned,
        "rented" => Ownership.Rented,
        _ => throw new FormatException($"Unknown ownership '{wire}' in master_rates."),
    };
}

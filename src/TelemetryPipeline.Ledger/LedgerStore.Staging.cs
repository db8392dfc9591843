using System.Globalization;
using Npgsql;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    // Statements per round trip when staging; a whole StageAsync call is still one transaction.
    private const int StageBatchSize = 100;

    // One statement per allocation: the allocation row, its lines and its audit row(s) are written only when the id is
    // new, so staging the same settlement twice stages nothing twice (ARCHITECTURE.md, "Exactly-once").
    private const string StageSql = """
        WITH ins AS (
            INSERT INTO allocations (allocation_id, period, project_code, cost_code, revision, currency, status,
                                     amount, operating_ms, idle_ms, fuel_ml)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT DO NOTHING
            RETURNING allocation_id
        ), lines AS (
            INSERT INTO allocation_lines (allocation_id, line_no, equipment_id, operating_ms, idle_ms, fuel_ml,
                                          operating_amount, idle_amount, fuel_amount, amount,
                                          rate_operating, rate_idle, rate_fuel_included, rate_fuel_price_per_liter,
                                          rate_currency, rate_valid_from_ms)
            SELECT ins.allocation_id, u.line_no, u.equipment_id, u.operating_ms, u.idle_ms, u.fuel_ml,
                   u.operating_amount, u.idle_amount, u.fuel_amount, u.operating_amount + u.idle_amount + u.fuel_amount,
                   u.rate_operating, u.rate_idle, u.rate_fuel_included, u.rate_fuel_price_per_liter,
                   u.rate_currency, u.rate_valid_from_ms
            FROM ins
            CROSS JOIN unnest($12::text[], $13::bigint[], $14::bigint[], $15::bigint[],
                              $16::numeric[], $17::numeric[], $18::numeric[],
                              $19::numeric[], $20::numeric[], $21::boolean[], $22::numeric[], $23::text[], $24::bigint[])
                WITH ORDINALITY AS u(equipment_id, operating_ms, idle_ms, fuel_ml,
                                     operating_amount, idle_amount, fuel_amount,
                                     rate_operating, rate_idle, rate_fuel_included, rate_fuel_price_per_liter,
                                     rate_currency, rate_valid_from_ms, line_no)
        ), audit AS (
            INSERT INTO allocation_audit (allocation_id, actor, actor_kind, from_status, to_status, comment)
            SELECT ins.allocation_id, v.actor, v.actor_kind, v.from_status, v.to_status, v.comment
            FROM ins
            CROSS JOIN (VALUES (1, $25::text, 'system', NULL::text, 'pending', NULL::text),
                               (2, $26::text, 'policy', 'pending', 'approved', $27::text))
                AS v(ord, actor, actor_kind, from_status, to_status, comment)
            WHERE v.ord = 1 OR $28::boolean
            ORDER BY v.ord
        )
        SELECT count(*)::int FROM ins
        """;

    /// <summary>
    /// Stages <paramref name="allocations"/> as pending, each with its lines and an audit row by <paramref name="actor"/>
    /// (kind system), all in one transaction; the auto-approval policy may approve some at once (an audit row by the
    /// policy). An allocation whose id already exists is skipped, so staging twice stages nothing twice. Returns how
    /// many were inserted. Throws <see cref="ArgumentException"/> for an allocation settlement should never produce
    /// (no lines, duplicate equipment, amounts with more than 2 decimals, …).
    /// </summary>
    public async Task<int> StageAsync(IReadOnlyList<Allocation> allocations, string actor = SettlementActor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (allocations.Count == 0)
        {
            return 0;
        }

        foreach (Allocation allocation in allocations)
        {
            ValidateForStaging(allocation);
        }

        int staged = await InTransactionAsync(
            async (connection, tx, token) =>
            {
                int inserted = 0;
                for (int start = 0; start < allocations.Count; start += StageBatchSize)
                {
                    int end = Math.Min(allocations.Count, start + StageBatchSize);
                    await using var batch = new NpgsqlBatch(connection, tx);
                    for (int i = start; i < end; i++)
                    {
                        batch.BatchCommands.Add(StageCommand(allocations[i], actor));
                    }

                    await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(token).ConfigureAwait(false);
                    do
                    {
                        while (await reader.ReadAsync(token).ConfigureAwait(false))
                        {
                            inserted += reader.GetInt32(0);
                        }
                    }
                    while (await reader.NextResultAsync(token).ConfigureAwait(false));
                }

                return inserted;
            },
            ct).ConfigureAwait(false);
        LedgerMetrics.Staged.Add(staged);
        return staged;
    }

    private NpgsqlBatchCommand StageCommand(Allocation allocation, string actor)
    {
        bool autoApprove = _autoApproval.Applies(allocation);
        IReadOnlyList<AllocationLine> lines = allocation.Lines;
        int n = lines.Count;
        var equipment = new string[n];
        var operatingMs = new long[n];
        var idleMs = new long[n];
        var fuelMl = new long[n];
        var operatingAmount = new decimal[n];
        var idleAmount = new decimal[n];
        var fuelAmount = new decimal[n];
        var rateOperating = new decimal[n];
        var rateIdle = new decimal[n];
        var rateFuelIncluded = new bool[n];
        var rateFuelPrice = new decimal[n];
        var rateCurrency = new string[n];
        var rateValidFrom = new long[n];
        for (int i = 0; i < n; i++)
        {
            AllocationLine line = lines[i];
            equipment[i] = line.EquipmentId;
            operatingMs[i] = line.OperatingMs;
            idleMs[i] = line.IdleMs;
            fuelMl[i] = line.FuelMl;
            operatingAmount[i] = line.OperatingAmount;
            idleAmount[i] = line.IdleAmount;
            fuelAmount[i] = line.FuelAmount;
            rateOperating[i] = line.Rate.OperatingRate;
            rateIdle[i] = line.Rate.IdleRate;
            rateFuelIncluded[i] = line.Rate.FuelIncluded;
            rateFuelPrice[i] = line.Rate.FuelPricePerLiter;
            rateCurrency[i] = line.Rate.Currency;
            rateValidFrom[i] = line.Rate.ValidFromMs;
        }

        string policyComment = string.Create(
            CultureInfo.InvariantCulture,
            $"|amount| {Math.Abs(allocation.Amount):0.00} ≤ {_autoApproval.MaxAbsoluteAmount:0.00}{(_autoApproval.RevisionsOnly ? ", revisions only" : string.Empty)}");

        var command = new NpgsqlBatchCommand(StageSql);
        NpgsqlParameterCollection p = command.Parameters;
        p.Add(Param(allocation.AllocationId));
        p.Add(Param(allocation.Period));
        p.Add(Param(allocation.ProjectCode));
        p.Add(Param(allocation.CostCode));
        p.Add(Param(allocation.Revision));
        p.Add(Param(allocation.Currency));
        p.Add(Param((autoApprove ? AllocationStatus.Approved : AllocationStatus.Pending).ToWire()));
        p.Add(Param(allocation.Amount));
        p.Add(Param(allocation.OperatingMs));
        p.Add(Param(allocation.IdleMs));
        p.Add(Param(allocation.FuelMl));
        p.Add(Param(equipment));
        p.Add(Param(operatingMs));
        p.Add(Param(idleMs));
        p.Add(Param(fuelMl));
        p.Add(Param(operatingAmount));
        p.Add(Param(idleAmount));
        p.Add(Param(fuelAmount));
        p.Add(Param(rateOperating));
        p.Add(Param(rateIdle));
        p.Add(Param(rateFuelIncluded));
        p.Add(Param(rateFuelPrice));
        p.Add(Param(rateCurrency));
        p.Add(Param(rateValidFrom));
        p.Add(Param(actor));
        p.Add(Param(_autoApproval.Actor));
        p.Add(Param(policyComment));
        p.Add(Param(autoApprove));
        return command;
    }

    private static void ValidateForStaging(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        string id = allocation.ProjectCode is null || allocation.CostCode is null ? "(incomplete allocation)" : allocation.AllocationId;
        if (string.IsNullOrWhiteSpace(allocation.ProjectCode) || string.IsNullOrWhiteSpace(allocation.CostCode) || string.IsNullOrWhiteSpace(allocation.Currency))
        {
            throw new ArgumentException($"Allocation {id}: project code, cost code and currency are required.", nameof(allocation));
        }

        if (allocation.Revision < 1)
        {
            throw new ArgumentException($"Allocation {id}: revision must be ≥ 1.", nameof(allocation));
        }

        if (allocation.Lines is null || allocation.Lines.Count == 0)
        {
            throw new ArgumentException($"Allocation {id} has no lines; settlement stages only allocations with at least one line.", nameof(allocation));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (AllocationLine line in allocation.Lines)
        {
            if (line is null || string.IsNullOrWhiteSpace(line.EquipmentId) || line.Rate is null)
            {
                throw new ArgumentException($"Allocation {id}: every line needs an equipment id and its applied rate.", nameof(allocation));
            }

            if (!seen.Add(line.EquipmentId))
            {
                throw new ArgumentException($"Allocation {id}: equipment {line.EquipmentId} appears on more than one line.", nameof(allocation));
            }

            if (!IsCents(line.OperatingAmount) || !IsCents(line.IdleAmount) || !IsCents(line.FuelAmount))
            {
                throw new ArgumentException(
                    $"Allocation {id}, equipment {line.EquipmentId}: amounts must be rounded to 2 decimals before staging (numeric(18,2) would round them silently).",
                    nameof(allocation));
            }
        }

        if (!IsCents(allocation.Amount))
        {
            throw new ArgumentException($"Allocation {id}: amount {allocation.Amount} does not fit numeric(18,2).", nameof(allocation));
        }
    }

    private static bool IsCents(decimal amount) =>
        decimal.Round(amount, 2) == amount && Math.Abs(amount) < 10_000_000_000_000_000m;
}

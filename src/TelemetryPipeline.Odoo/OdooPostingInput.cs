using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// One approved allocation as the Odoo poster needs it, independent of the ledger. Amounts are the allocation's
/// (positive = cost); the poster turns them into Odoo's signs.
/// </summary>
public sealed record OdooPostingInput(
    string AllocationId,
    DateOnly Period,
    string ProjectCode,
    string CostCode,
    string Currency,
    IReadOnlyList<OdooPostingLine> Lines)
{
    private const decimal MsPerHour = 3_600_000m;

    /// <summary>The allocation's total: the sum of its line amounts.</summary>
    public decimal Amount
    {
        get
        {
            var total = 0m;
            foreach (var line in Lines)
            {
                total += line.Amount;
            }

            return total;
        }
    }

    /// <summary>
    /// Builds the input from a ledger allocation: one line per equipment line, its id
    /// <see cref="AllocationIds.LineId"/>, its hours operating + idle (6 decimals), its amount the line amount.
    /// </summary>
    public static OdooPostingInput FromAllocation(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var allocationId = allocation.AllocationId;
        var lines = new OdooPostingLine[allocation.Lines.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var line = allocation.Lines[i];
            var hours = decimal.Round((line.OperatingMs + line.IdleMs) / MsPerHour, 6, MidpointRounding.AwayFromZero);
            lines[i] = new OdooPostingLine(AllocationIds.LineId(allocationId, line.EquipmentId), line.EquipmentId, hours, line.Amount);
        }

        return new OdooPostingInput(allocationId, allocation.Period, allocation.ProjectCode, allocation.CostCode, allocation.Currency, lines);
    }
}

/// <summary>One equipment line: <paramref name="LineId"/> is its external id in Odoo (the <c>ref</c> of its record).</summary>
public sealed record OdooPostingLine(string LineId, string EquipmentId, decimal Hours, decimal Amount);

/// <summary>What happened to one allocation: posted with the Odoo ids that hold it, or not with the reason (Odoo's message when Odoo refused it).</summary>
public sealed record PostingOutcome(string AllocationId, bool Posted, IReadOnlyList<long> OdooIds, string? Error);

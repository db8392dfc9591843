using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

/// <summary>Allocations that look like settlement's output.</summary>
internal static class Samples
{
    public const long Hour = 3_600_000;

    public static readonly AppliedRate Rate = new(130.0000m, 30.0000m, FuelIncluded: false, 1.5500m, "USD", ValidFromMs: 1_767_225_600_000);

    public static AllocationLine Line(string equipmentId, long operatingMs, long idleMs, long fuelMl, decimal operating, decimal idle, decimal fuel, AppliedRate? rate = null) =>
        new(equipmentId, operatingMs, idleMs, fuelMl, operating, idle, fuel, rate ?? Rate);

    /// <summary>A single-line allocation of <paramref name="amount"/> (all on the operating amount).</summary>
    public static Allocation Allocation(
        string project = "PRJ-1001", string costCode = "03-200", int revision = 1, DateOnly? period = null, decimal amount = 1076.00m, string equipmentId = "EX-0042") =>
        new(
            period ?? new DateOnly(2026, 11, 20),
            project,
            costCode,
            revision,
            "USD",
            AllocationStatus.Pending,
            [Line(equipmentId, 8 * Hour, Hour + Hour / 2, 120_000, amount, 0m, 0m)]);

    /// <summary><paramref name="count"/> distinct first revisions on one period (cost codes CC-000, CC-001, …).</summary>
    public static List<Allocation> Many(int count, DateOnly? period = null)
    {
        var list = new List<Allocation>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(Allocation(costCode: $"CC-{i:000}", period: period, amount: 100m + i));
        }

        return list;
    }
}

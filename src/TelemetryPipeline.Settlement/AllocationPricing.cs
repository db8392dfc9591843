using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>The amounts of an allocation line (ALLOCATION-RULES.md, "Amounts"), in decimal, never binary floating point.</summary>
public static class AllocationPricing
{
    private const decimal MsPerHour = 3_600_000m;
    private const decimal MlPerLiter = 1_000m;

    /// <summary>
    /// Prices one line: working = max(0, operating − idle); operating = round2(working × operatingRate / 3 600 000);
    /// idle = round2(idle × idleRate / 3 600 000); fuel = 0 for a wet rate, else round2(fuel_ml × price / 1000).
    /// </summary>
    public static AllocationLine Price(string equipmentId, long operatingMs, long idleMs, long fuelMl, EquipmentRate rate)
    {
        ArgumentNullException.ThrowIfNull(equipmentId);
        ArgumentNullException.ThrowIfNull(rate);
        long workingMs = Math.Max(0L, operatingMs - idleMs);
        decimal operatingAmount = Round2(workingMs * rate.OperatingRate / MsPerHour);
        decimal idleAmount = Round2(idleMs * rate.IdleRate / MsPerHour);
        decimal fuelAmount = rate.FuelIncluded ? 0m : Round2(fuelMl * rate.FuelPricePerLiter / MlPerLiter);
        return new AllocationLine(equipmentId, operatingMs, idleMs, fuelMl, operatingAmount, idleAmount, fuelAmount, Applied(rate));
    }

    /// <summary>Rounds to the currency's minor unit (2 decimals), halves away from zero.</summary>
    public static decimal Round2(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    /// <summary>The rate as recorded on a line.</summary>
    public static AppliedRate Applied(EquipmentRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return new AppliedRate(rate.OperatingRate, rate.IdleRate, rate.FuelIncluded, rate.FuelPricePerLiter, rate.Currency, rate.ValidFromMs);
    }
}

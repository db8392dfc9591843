using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas.Tests;

/// <summary>One fully populated and one minimal instance of each Domain record.</summary>
internal static class Samples
{
    public static EquipmentUsage Usage { get; } = new()
    {
        EventId = "evt-0001",
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "CAT0320GXYZ01234"),
        EventTimeMs = 1_795_000_000_123,
        SiteId = "SITE-7",
        ProjectCode = "PRJ-1001",
        CostCode = "03-200",
        IntervalStartMs = 1_794_999_100_123,
        OperatingHours = 0.25,
        CumulativeOperatingHours = null,
        DistanceKm = 1.75,
    };

    public static EquipmentUsage MinimalUsage { get; } = new()
    {
        EventId = "e",
        Source = "jdlink",
        Equipment = new EquipmentRef("canonical", "EX-0042"),
        EventTimeMs = -5,
        CumulativeOperatingHours = 12345.5,
    };

    public static EquipmentIdle Idle { get; } = new()
    {
        EventId = "idle-9",
        Source = "jdlink",
        Equipment = new EquipmentRef("telematics", "JD-88"),
        EventTimeMs = 1_795_000_000_000,
        IntervalStartMs = 1_794_999_000_000,
        IdleHours = 0.1,
        CumulativeIdleHours = 99.9,
        SiteId = "Grüße 東京",
    };

    public static FuelEvent Fuel { get; } = new()
    {
        EventId = "fuel-1",
        Source = "fuelcard",
        Equipment = new EquipmentRef("rental", "R-1"),
        EventTimeMs = 1_795_000_000_000,
        Kind = FuelKind.Fill,
        Quantity = 52.5,
        Unit = FuelUnit.UsGallon,
        CumulativeFuelUsedLiters = 1000.25,
        TotalCost = 198.4375m,
        Currency = "USD",
    };

    public static FuelEvent MinimalFuel { get; } = new()
    {
        EventId = "fuel-2",
        Source = "visionlink",
        Equipment = new EquipmentRef("serial", "S"),
        EventTimeMs = 0,
        Kind = FuelKind.Burn,
        Quantity = 1,
        Unit = FuelUnit.Liter,
        TotalCost = -0.0001m,
    };

    public static EquipmentAssignment Assignment { get; } = new("EX-0042", "PRJ-1001", "03-200", 1_790_000_000_000, 1_800_000_000_000);

    public static EquipmentAssignment OpenAssignment { get; } = new("EX-0042", "PRJ-1002", "03-210", 1_800_000_000_000, null);

    public static EquipmentRate Rate { get; } = new("EX-0042", Ownership.Rented, 105.625m, 30m, false, 1.5432m, "USD", 1_790_000_000_000);

    public static EquipmentRate WetRate { get; } = new("EX-0043", Ownership.Owned, 99999999999999.9999m, 0m, true, 0.0001m, "EUR", 0);

    public static EquipmentAlias Alias { get; } = new("serial", "CAT0320GXYZ01234", "EX-0042");

    public static IEnumerable<object> All => [Usage, MinimalUsage, Idle, Fuel, MinimalFuel, Assignment, OpenAssignment, Rate, WetRate, Alias];
}

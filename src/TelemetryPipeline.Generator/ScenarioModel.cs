using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

public enum MachineKind : byte
{
    Excavator = 1,
    WheelLoader = 2,
    Dozer = 3,
    Crane = 4,
}

/// <summary>How a machine's telemetry reaches the pipeline.</summary>
public enum ReportingMode : byte
{
    /// <summary>Hourly deltas with <c>intervalStart</c> (JDLink style); fuel BURN quantities per hour.</summary>
    HourlyDeltas = 1,

    /// <summary>Hourly deltas without <c>intervalStart</c>: the interval is [eventTime − delta, eventTime).</summary>
    IntervalFreeDeltas = 2,

    /// <summary>Cumulative meters every 15–60 minutes (ISO 15143-3 style): operating, idle and fuel used.</summary>
    Meters = 3,

    /// <summary>Field-app shift segments carrying projectCode + costCode; EquipmentUsage sent with the v1 schema.</summary>
    FieldApp = 4,
}

/// <summary>A project of the scenario; configure the pipeline's project time zones and currencies from these.</summary>
public sealed record ScenarioProject(string Code, string Name, string Currency, string TimeZone, int UtcOffsetHours);

/// <summary>A machine of the fleet and how it reports.</summary>
public sealed record ScenarioMachine
{
    /// <summary>Canonical id, EX-0001….</summary>
    public required string EquipmentId { get; init; }

    public required MachineKind Kind { get; init; }

    public required string Model { get; init; }

    /// <summary>The identifier its telemetry source sends (scheme canonical, serial, telematics or rental).</summary>
    public required EquipmentRef Identifier { get; init; }

    public required string Source { get; init; }

    public required ReportingMode Mode { get; init; }

    /// <summary>The unit of its fuel BURN and FILL quantities.</summary>
    public required FuelUnit FuelUnit { get; init; }

    /// <summary>The project it is assigned to at the start of the window, or null when never assigned.</summary>
    public string? ProjectCode { get; init; }

    public required string CostCode { get; init; }

    /// <summary>A second cost code the field app uses for part of the day.</summary>
    public required string AlternateCostCode { get; init; }

    /// <summary>True when its identifier resolves: canonical, or aliased by an EquipmentAlias record.</summary>
    public required bool Resolvable { get; init; }

    public required bool HasRate { get; init; }

    public required Ownership Ownership { get; init; }
}

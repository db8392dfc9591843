namespace TelemetryPipeline.Domain;

/// <summary>The telemetry record types; part of the dedupe key (record type, source, eventId).</summary>
public enum RecordType : byte
{
    Usage = 1,
    Idle = 2,
    Fuel = 3,
}

public enum FuelKind : byte
{
    Burn = 0,
    Fill = 1,
}

public enum FuelUnit : byte
{
    Liter = 0,
    UsGallon = 1,
}

public enum Ownership : byte
{
    Owned = 0,
    Rented = 1,
}

/// <summary>An equipment identifier as the source knows it; <see cref="Key"/> (<c>scheme:value</c>) keys buckets and meters.</summary>
public readonly record struct EquipmentRef(string Scheme, string Value)
{
    public const string CanonicalScheme = "canonical";

    public string Key => string.Concat(Scheme, ":", Value);

    public override string ToString() => Key;
}

/// <summary>Fields every telemetry record carries (ALLOCATION-RULES.md, "Events").</summary>
public abstract record TelemetryEvent
{
    public required string EventId { get; init; }
    public required string Source { get; init; }
    public required EquipmentRef Equipment { get; init; }

    /// <summary>When it happened, UTC milliseconds since the Unix epoch.</summary>
    public required long EventTimeMs { get; init; }
    public string? SiteId { get; init; }
    public string? ProjectCode { get; init; }
    public string? CostCode { get; init; }

    public abstract RecordType Type { get; }
}

/// <summary><c>telemetry.equipment.EquipmentUsage</c>: operating hours as a delta or a cumulative meter reading.</summary>
public sealed record EquipmentUsage : TelemetryEvent
{
    public long? IntervalStartMs { get; init; }
    public double? OperatingHours { get; init; }
    public double? CumulativeOperatingHours { get; init; }
    public double? DistanceKm { get; init; }

    public override RecordType Type => RecordType.Usage;
}

/// <summary><c>telemetry.equipment.EquipmentIdle</c>: idle hours as a delta or a cumulative meter reading.</summary>
public sealed record EquipmentIdle : TelemetryEvent
{
    public long? IntervalStartMs { get; init; }
    public double? IdleHours { get; init; }
    public double? CumulativeIdleHours { get; init; }

    public override RecordType Type => RecordType.Idle;
}

/// <summary><c>telemetry.equipment.FuelEvent</c>: fuel burned (allocated) or filled (reconciliation only).</summary>
public sealed record FuelEvent : TelemetryEvent
{
    public required FuelKind Kind { get; init; }
    public required double Quantity { get; init; }
    public required FuelUnit Unit { get; init; }
    public double? CumulativeFuelUsedLiters { get; init; }
    public decimal? TotalCost { get; init; }
    public string? Currency { get; init; }

    public override RecordType Type => RecordType.Fuel;
}

/// <summary>Master data: the project and cost code a canonical machine works for over [ValidFrom, ValidTo).</summary>
public sealed record EquipmentAssignment(
    string EquipmentId, string ProjectCode, string CostCode, long ValidFromMs, long? ValidToMs);

/// <summary>Master data: a machine's rate card from <see cref="ValidFromMs"/> on. Rates are per hour; fuel per litre.</summary>
public sealed record EquipmentRate(
    string EquipmentId,
    Ownership Ownership,
    decimal OperatingRate,
    decimal IdleRate,
    bool FuelIncluded,
    decimal FuelPricePerLiter,
    string Currency,
    long ValidFromMs);

/// <summary>Master data: identifier as sent (scheme, value) → canonical equipment id.</summary>
public sealed record EquipmentAlias(string Scheme, string Value, string EquipmentId);

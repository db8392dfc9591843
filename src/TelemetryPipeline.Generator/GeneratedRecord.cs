using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

/// <summary>The logical topic a generated record goes to; mapped to a configured name when producing.</summary>
public enum GeneratedTopic : byte
{
    Usage = 1,
    Idle = 2,
    Fuel = 3,
    Assignments = 4,
    Aliases = 5,
    Rates = 6,
}

/// <summary>How a record's value bytes were framed.</summary>
public enum WireFormat : byte
{
    /// <summary>Avro single-object encoding: <c>C3 01</c>, CRC-64-AVRO fingerprint, body.</summary>
    SingleObject = 1,

    /// <summary>Confluent wire format: magic <c>0</c>, 4-byte big-endian schema id (<see cref="GeneratorSchemaIds"/>), body.</summary>
    Confluent = 2,

    /// <summary>Single-object encoding with the <c>EquipmentUsage</c> version 1 writer schema (no distanceKm).</summary>
    UsageV1SingleObject = 3,

    /// <summary>Confluent framing with schema id <see cref="GeneratorSchemaIds.EquipmentUsageV1"/>.</summary>
    UsageV1Confluent = 4,

    /// <summary>Deliberately broken bytes (see <see cref="MalformedKind"/>).</summary>
    Garbage = 5,
}

/// <summary>The kinds of bad records the scenario injects, one rejection reason each.</summary>
public enum MalformedKind : byte
{
    None = 0,
    RandomBytes,
    WrongMagic,
    UnknownFingerprint,
    UnknownSchemaId,
    TruncatedAvro,
    NegativeHours,
    ZeroQuantity,
    AbsurdQuantity,
    FarFutureEventTime,
    BeyondRetention,
    MissingMeasure,
    DeltaExceedsInterval,
    InvalidInterval,
}

/// <summary>
/// One Kafka record of a scenario, in produce order. <see cref="Record"/> is the logical record the bytes
/// encode (a <see cref="TelemetryEvent"/> or a master-data record), or null when the bytes cannot be decoded.
/// </summary>
public sealed record GeneratedRecord
{
    public required GeneratedTopic Topic { get; init; }

    /// <summary>Telemetry: the identifier as sent (<c>scheme:value</c>); master data: the entity key.</summary>
    public required string Key { get; init; }

    public required byte[] Value { get; init; }

    public required object? Record { get; init; }

    public required WireFormat Format { get; init; }

    /// <summary>True for an exact re-send (same bytes) of a record produced earlier.</summary>
    public bool IsDuplicate { get; init; }

    /// <summary>The <see cref="RejectionReasons"/> code the pipeline must give this record, or null when it is valid.</summary>
    public string? ExpectedRejection { get; init; }

    public MalformedKind Malformed { get; init; }

    /// <summary>True for a record held back and delivered after everything else.</summary>
    public bool IsLate { get; init; }

    /// <summary>When the source delivered it (the scenario's clock, UTC ms); produce order follows it.</summary>
    public long DeliveryTimeMs { get; init; }

    public bool IsTelemetry => Topic is GeneratedTopic.Usage or GeneratedTopic.Idle or GeneratedTopic.Fuel;
}

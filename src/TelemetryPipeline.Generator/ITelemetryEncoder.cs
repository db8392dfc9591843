using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

/// <summary>
/// The Avro encodings the scenario needs; the seam to <c>TelemetryPipeline.Schemas.TelemetryCodec</c>,
/// so the scenario itself stays pure and testable without the codec. Implementations must be thread-safe:
/// the scenario encodes the machines of a day in parallel.
/// </summary>
public interface ITelemetryEncoder
{
    /// <summary>Single-object encoding (<c>C3 01</c> + fingerprint + body) with the record type's current schema.</summary>
    byte[] EncodeSingleObject(object record);

    /// <summary>Confluent framing (magic 0 + big-endian schema id + body) with the record type's current schema.</summary>
    byte[] EncodeConfluent(int schemaId, object record);

    /// <summary>Single-object encoding with the EquipmentUsage version 1 writer schema (no distanceKm).</summary>
    byte[] EncodeUsageV1SingleObject(EquipmentUsage usage);

    /// <summary>Confluent framing of the EquipmentUsage version 1 body (no distanceKm) under <paramref name="schemaId"/>.</summary>
    byte[] EncodeUsageV1Confluent(int schemaId, EquipmentUsage usage);
}

/// <summary>Confluent schema ids the generator uses; configure the pipeline's schema-id map with <see cref="Map"/>.</summary>
public static class GeneratorSchemaIds
{
    public const int EquipmentUsage = 1;
    public const int EquipmentIdle = 2;
    public const int FuelEvent = 3;
    public const int EquipmentAssignment = 4;
    public const int EquipmentRate = 5;
    public const int EquipmentAlias = 6;
    public const int EquipmentUsageV1 = 7;

    /// <summary>A schema id no registry knows; records framed with it must be rejected as <c>unknown_schema</c>.</summary>
    public const int Unknown = 999;

    /// <summary>
    /// Schema id → schema name (file under <c>schemas/</c> without <c>.avsc</c>), the shape
    /// <c>TelemetryCodec.CreateDefault</c> and the pipeline's schema-id configuration take.
    /// </summary>
    public static IReadOnlyDictionary<int, string> Map { get; } = new Dictionary<int, string>
    {
        [EquipmentUsage] = "EquipmentUsage",
        [EquipmentIdle] = "EquipmentIdle",
        [FuelEvent] = "FuelEvent",
        [EquipmentAssignment] = "EquipmentAssignment",
        [EquipmentRate] = "EquipmentRate",
        [EquipmentAlias] = "EquipmentAlias",
        [EquipmentUsageV1] = "EquipmentUsage.v1",
    };

    /// <summary>The id of the current schema of <paramref name="record"/>'s type.</summary>
    public static int For(object record) => record switch
    {
        Domain.EquipmentUsage => EquipmentUsage,
        Domain.EquipmentIdle => EquipmentIdle,
        Domain.FuelEvent => FuelEvent,
        Domain.EquipmentAssignment => EquipmentAssignment,
        Domain.EquipmentRate => EquipmentRate,
        Domain.EquipmentAlias => EquipmentAlias,
        _ => throw new ArgumentException($"No schema for {record?.GetType().Name ?? "null"}.", nameof(record)),
    };
}

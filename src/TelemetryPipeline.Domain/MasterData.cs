namespace TelemetryPipeline.Domain;

/// <summary>Master-data records consumed together from the compacted topics, to be upserted in one go.</summary>
public sealed record MasterDataBatch(
    IReadOnlyList<EquipmentAlias> Aliases,
    IReadOnlyList<EquipmentAssignment> Assignments,
    IReadOnlyList<EquipmentRate> Rates)
{
    public int Count => Aliases.Count + Assignments.Count + Rates.Count;
}

/// <summary>
/// The seam master data is persisted through, so a restart does not need to re-read the whole topics. Upserts are
/// idempotent by key (alias: scheme + value; assignment and rate: equipment id + validFrom).
/// </summary>
public interface IMasterDataStore
{
    Task UpsertAsync(MasterDataBatch batch, CancellationToken cancellationToken);
}

using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>The seam settlement reads master data through: one consistent snapshot per settlement run.</summary>
public interface IMasterDataSource
{
    /// <summary>The master data known now, with project configuration, as an immutable snapshot.</summary>
    Task<MasterDataSnapshot> LoadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Master data held in memory, filled by upserts (from the compacted master-data topics, or by tests); it is both the
/// store the master-data consumer writes to (<see cref="IMasterDataStore"/>) and the source settlement reads from.
/// Thread-safe. Upserting the same record twice changes nothing; a record with the same key
/// (alias: scheme + value; assignment and rate: equipment id + validFrom) replaces the earlier one.
/// </summary>
public sealed class InMemoryMasterDataSource : IMasterDataSource, IMasterDataStore
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string), EquipmentAlias> _aliases = [];
    private readonly Dictionary<(string, long), EquipmentAssignment> _assignments = [];
    private readonly Dictionary<(string, long), EquipmentRate> _rates = [];
    private readonly SettlementOptions _options;

    public InMemoryMasterDataSource(SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Adds or replaces the alias of (scheme, value); true when something changed.</summary>
    public bool Upsert(EquipmentAlias alias)
    {
        lock (_gate)
        {
            return Put(_aliases, MasterDataSnapshot.AliasKey(alias), alias);
        }
    }

    /// <summary>Adds or replaces the assignment of (equipment id, validFrom); true when something changed.</summary>
    public bool Upsert(EquipmentAssignment assignment)
    {
        lock (_gate)
        {
            return Put(_assignments, MasterDataSnapshot.AssignmentKey(assignment), assignment);
        }
    }

    /// <summary>Adds or replaces the rate of (equipment id, validFrom); true when something changed.</summary>
    public bool Upsert(EquipmentRate rate)
    {
        lock (_gate)
        {
            return Put(_rates, MasterDataSnapshot.RateKey(rate), rate);
        }
    }

    /// <summary>Upserts every record of the batch under one lock, so a snapshot never sees half a batch; returns how many changed something.</summary>
    public int Upsert(MasterDataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int changed = 0;
        lock (_gate)
        {
            foreach (EquipmentAlias alias in batch.Aliases)
            {
                changed += Put(_aliases, MasterDataSnapshot.AliasKey(alias), alias) ? 1 : 0;
            }

            foreach (EquipmentAssignment assignment in batch.Assignments)
            {
                changed += Put(_assignments, MasterDataSnapshot.AssignmentKey(assignment), assignment) ? 1 : 0;
            }

            foreach (EquipmentRate rate in batch.Rates)
            {
                changed += Put(_rates, MasterDataSnapshot.RateKey(rate), rate) ? 1 : 0;
            }
        }

        return changed;
    }

    public Task UpsertAsync(MasterDataBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Upsert(batch);
        return Task.CompletedTask;
    }

    public Task<MasterDataSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Snapshot());
    }

    /// <summary>The current state as an immutable snapshot.</summary>
    public MasterDataSnapshot Snapshot()
    {
        lock (_gate)
        {
            return MasterDataSnapshot.FromMaps(_aliases, _assignments, _rates, _options);
        }
    }

    private static bool Put<TKey, TValue>(Dictionary<TKey, TValue> map, TKey key, TValue value)
        where TKey : notnull
    {
        if (map.TryGetValue(key, out TValue? existing) && EqualityComparer<TValue>.Default.Equals(existing, value))
        {
            return false;
        }

        map[key] = value;
        return true;
    }
}

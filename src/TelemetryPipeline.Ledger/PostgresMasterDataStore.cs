using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Ledger;

/// <summary>
/// Master data persisted in the ledger database (tables <c>master_aliases</c>, <c>master_assignments</c>,
/// <c>master_rates</c>): the master-data consumer upserts into it (<see cref="IMasterDataStore"/>) and settlement loads
/// a snapshot from it (<see cref="IMasterDataSource"/>), so a restarted instance settles with everything consumed
/// before, without re-reading the compacted topics. Upserts are idempotent by key (alias: scheme + value; assignment
/// and rate: equipment id + validFrom); rates keep their exact decimal values. Thread-safe; any number of instances may
/// share the database.
/// </summary>
public sealed class PostgresMasterDataStore : IMasterDataStore, IMasterDataSource
{
    private readonly LedgerStore _ledger;
    private readonly SettlementOptions _options;

    /// <summary>
    /// A store over the ledger's database (migrated to at least schema version 2); snapshots carry
    /// <paramref name="options"/> (project zones and currencies, cost-code map). Throws
    /// <see cref="InvalidOperationException"/> naming the bad key when the options are invalid.
    /// </summary>
    public PostgresMasterDataStore(LedgerStore ledger, SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ledger = ledger;
        _options = options;
    }

    /// <summary>Upserts every record of the batch in one transaction; a later record with the same key wins.</summary>
    public Task UpsertAsync(MasterDataBatch batch, CancellationToken cancellationToken) => ApplyAsync(batch, cancellationToken);

    /// <summary><see cref="UpsertAsync"/>, returning how many records changed something (0 when the batch was already stored).</summary>
    public Task<int> ApplyAsync(MasterDataBatch batch, CancellationToken cancellationToken) =>
        _ledger.UpsertMasterDataAsync(batch, cancellationToken);

    /// <summary>The master data stored now, read consistently, as a snapshot with the configured projects and cost-code map.</summary>
    public async Task<MasterDataSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var (aliases, assignments, rates) = await _ledger.LoadMasterDataAsync(cancellationToken).ConfigureAwait(false);
        return MasterDataSnapshot.Create(aliases, assignments, rates, _options);
    }
}

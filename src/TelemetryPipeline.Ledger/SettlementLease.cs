namespace TelemetryPipeline.Ledger;

/// <summary>
/// A held settlement lease (in production the Redis lease of the State project). A lease is a courtesy, not a lock:
/// settlement stays idempotent, so a holder that outlives its lease does no harm.
/// </summary>
public interface ISettlementLease : IAsyncDisposable
{
    /// <summary>Extends the lease by its duration from now; false when it is no longer ours (expired, taken over).</summary>
    Task<bool> RenewAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The seam to the cluster-wide settlement lease ("settlement runs on one instance at a time"). The ledger does not
/// depend on Redis; the host adapts <c>RedisTelemetryStore.TryAcquireLeaseAsync</c> with <see cref="SettlementLeases.From"/>.
/// </summary>
public interface ISettlementLeaseProvider
{
    /// <summary>Takes the lease for <paramref name="duration"/> if nobody holds it; null when another instance does.</summary>
    Task<ISettlementLease?> TryAcquireAsync(TimeSpan duration, CancellationToken cancellationToken);
}

/// <summary>Adapts any lease type to <see cref="ISettlementLeaseProvider"/>.</summary>
public static class SettlementLeases
{
    /// <summary>
    /// A provider over two functions, e.g. for the Redis lease:
    /// <c>SettlementLeases.From((d, ct) =&gt; redis.TryAcquireLeaseAsync(SettlementService.LeaseName, d, ct), (l, ct) =&gt; l.RenewAsync(ct))</c>.
    /// Disposing the adapted lease disposes (releases) the underlying one.
    /// </summary>
    public static ISettlementLeaseProvider From<TLease>(
        Func<TimeSpan, CancellationToken, Task<TLease?>> tryAcquire, Func<TLease, CancellationToken, Task<bool>> renew)
        where TLease : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(tryAcquire);
        ArgumentNullException.ThrowIfNull(renew);
        return new DelegateProvider<TLease>(tryAcquire, renew);
    }

    private sealed class DelegateProvider<TLease>(
        Func<TimeSpan, CancellationToken, Task<TLease?>> tryAcquire, Func<TLease, CancellationToken, Task<bool>> renew) : ISettlementLeaseProvider
        where TLease : class, IAsyncDisposable
    {
        public async Task<ISettlementLease?> TryAcquireAsync(TimeSpan duration, CancellationToken cancellationToken)
        {
            TLease? lease = await tryAcquire(duration, cancellationToken).ConfigureAwait(false);
            return lease is null ? null : new DelegateLease<TLease>(lease, renew);
        }
    }

    private sealed class DelegateLease<TLease>(TLease lease, Func<TLease, CancellationToken, Task<bool>> renew) : ISettlementLease
        where TLease : class, IAsyncDisposable
    {
        public Task<bool> RenewAsync(CancellationToken cancellationToken) => renew(lease, cancellationToken);

        public ValueTask DisposeAsync() => lease.DisposeAsync();
    }
}

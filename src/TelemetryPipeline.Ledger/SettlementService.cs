using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Ledger;

/// <summary>What one call of <see cref="SettlementService.RunOnceAsync"/> did.</summary>
public enum SettlementRunOutcome
{
    /// <summary>This instance settled (possibly staging nothing, when nothing changed).</summary>
    Settled,

    /// <summary>Another instance holds the settlement lease; nothing was done. Try again at the next tick.</summary>
    LeaseHeld,

    /// <summary>The run failed; nothing it did is half-applied (staging is one transaction), and the failure is recorded when the ledger is reachable.</summary>
    Failed,
}

/// <summary>
/// The result of one settlement attempt: the outcome, a sentence for people, the report when it settled, and the id
/// of its row in <c>settlement_runs</c> when it was recorded.
/// </summary>
public sealed record SettlementServiceResult(
    SettlementRunOutcome Outcome, string Message, SettlementReport? Report, long? RunId, Exception? Error = null, bool LeaseLost = false)
{
    /// <summary>The message a held lease produces.</summary>
    public const string LeaseHeldMessage = "lease held by another instance";

    /// <summary>Process exit code for the <c>settle</c> verb: 0 settled, 1 failed, 75 (EX_TEMPFAIL) lease held — try again.</summary>
    public int ExitCode => Outcome switch
    {
        SettlementRunOutcome.Settled => 0,
        SettlementRunOutcome.LeaseHeld => 75,
        _ => 1,
    };

    /// <summary>A few lines for a terminal or a log: the outcome, then what the run found and staged.</summary>
    public string Summary
    {
        get
        {
            var text = new StringBuilder(Message);
            if (Report is not { } r)
            {
                return text.ToString();
            }

            var c = CultureInfo.InvariantCulture;
            text.AppendLine();
            text.Append(c, $"  settled as of {r.Now:yyyy-MM-ddTHH:mm:ssZ}, periods {r.PeriodFrom:yyyy-MM-dd}..{r.PeriodTo:yyyy-MM-dd}: ");
            text.Append(c, $"{r.PeriodsClosed} closed, {r.PeriodsOpen} still open; {r.BucketEntriesRead} bucket cells from {r.UtcDaysRead} UTC days").AppendLine();
            text.Append(c, $"  staged {r.AllocationsStaged} of {r.AllocationsPlanned} planned revisions ({r.LinesPlanned} lines)");
            foreach (KeyValuePair<string, decimal> planned in r.PlannedAmountByCurrency)
            {
                text.Append(c, $"; {planned.Key} {planned.Value:0.00}");
            }

            text.AppendLine();
            text.Append("  exceptions: ");
            if (r.ExceptionsByKind.Count == 0)
            {
                text.Append("none");
            }
            else
            {
                text.AppendJoin(", ", r.ExceptionsByKind.Select(static k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} {k.Value}")));
            }

            return text.ToString();
        }
    }

    public override string ToString() => Summary;
}

/// <summary>
/// Runs settlement the way the <c>settle</c> verb and the <c>run</c> cadence need it: under the cluster-wide
/// settlement lease (one instance at a time; the others report <see cref="SettlementServiceResult.LeaseHeldMessage"/>),
/// with <see cref="SettlementRunner"/> over the ledger, and recording every run — with its exception list, or with its
/// error when it failed — in <c>settlement_runs</c>. Running it again with the same inputs stages nothing.
/// </summary>
public sealed class SettlementService
{
    /// <summary>The lease name every instance must use (the Redis key is derived from it).</summary>
    public const string LeaseName = "settlement";

    private readonly SettlementRunner _runner;
    private readonly LedgerStore _ledger;
    private readonly ISettlementLeaseProvider? _lease;
    private readonly SettlementServiceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;

    /// <summary>
    /// A service settling <paramref name="store"/>'s buckets with <paramref name="masterData"/> into
    /// <paramref name="ledger"/>. Without <paramref name="lease"/> it runs unguarded (one instance only, or tests).
    /// </summary>
    public SettlementService(
        ITelemetryStore store,
        IMasterDataSource masterData,
        LedgerStore ledger,
        SettlementOptions settlement,
        ISettlementLeaseProvider? lease = null,
        SettlementServiceOptions? options = null,
        ILogger<SettlementService>? logger = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(masterData);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(settlement);
        settlement.Validate();
        options ??= new SettlementServiceOptions();
        options.Validate();
        _clock = clock ?? TimeProvider.System;
        _runner = new SettlementRunner(store, masterData, new LedgerSettlementLedger(ledger), settlement, _clock);
        _ledger = ledger;
        _lease = lease;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Settles once as of <paramref name="now"/> (null: the clock; <c>settle --now</c> for replays). Never throws for
    /// Redis, PostgreSQL or settlement failures: they come back as <see cref="SettlementRunOutcome.Failed"/> with the
    /// error. Cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<SettlementServiceResult> RunOnceAsync(DateTimeOffset? now, CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = _clock.GetUtcNow();
        DateTimeOffset settleAt = now ?? startedAt;
        ISettlementLease? lease = null;
        try
        {
            if (_lease is not null)
            {
                lease = await _lease.TryAcquireAsync(_options.LeaseDuration, cancellationToken).ConfigureAwait(false);
                if (lease is null)
                {
                    _logger.LogInformation("Settlement skipped on {Instance}: {Reason}", _options.InstanceName, SettlementServiceResult.LeaseHeldMessage);
                    return new SettlementServiceResult(SettlementRunOutcome.LeaseHeld, SettlementServiceResult.LeaseHeldMessage, null, null);
                }
            }

            return await SettleAsync(lease, startedAt, settleAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return await FailAsync(startedAt, settleAt, ex).ConfigureAwait(false);
        }
        finally
        {
            if (lease is not null)
            {
                await ReleaseAsync(lease).ConfigureAwait(false);
            }
        }
    }

    private async Task<SettlementServiceResult> SettleAsync(ISettlementLease? lease, DateTimeOffset startedAt, DateTimeOffset settleAt, CancellationToken ct)
    {
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<bool> keepAlive = lease is null ? Task.FromResult(true) : KeepLeaseAsync(lease, renewing.Token);
        SettlementReport report;
        try
        {
            report = await _runner.RunAsync(settleAt, ct).ConfigureAwait(false);
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
        }

        bool leaseLost = !await keepAlive.ConfigureAwait(false);
        var record = new SettlementRunRecord(
            startedAt, _clock.GetUtcNow(), report.Now, report.AllocationsStaged, report.Exceptions.Count, _options.InstanceName, report.PeriodFrom, report.PeriodTo);
        long? runId = null;
        string message;
        try
        {
            // Replaces the exception list once more, in one transaction with the run row, so each exception names its run.
            runId = await _ledger.RecordSettlementRunAsync(record, report.Exceptions, ct).ConfigureAwait(false);
            message = string.Create(
                CultureInfo.InvariantCulture,
                $"settled: {report.AllocationsStaged} revision(s) staged, {report.Exceptions.Count} exception(s) (run {runId})");
        }
        catch (Exception ex) when (ex is LedgerException or Npgsql.NpgsqlException)
        {
            // The staging is committed; only the run history misses this row.
            _logger.LogWarning("Settlement staged {Staged} revision(s) but the run could not be recorded: {Error}", report.AllocationsStaged, ex.Message);
            message = string.Create(
                CultureInfo.InvariantCulture,
                $"settled: {report.AllocationsStaged} revision(s) staged, {report.Exceptions.Count} exception(s); the run could not be recorded ({ex.Message})");
        }

        if (leaseLost)
        {
            _logger.LogWarning("The settlement lease was lost during the run on {Instance}; the run is idempotent, so another instance settling too did no harm", _options.InstanceName);
        }

        _logger.LogInformation(
            "Settlement on {Instance} as of {Now}: {Staged} of {Planned} revision(s) staged, {Exceptions} exception(s), periods {From}..{To}",
            _options.InstanceName, report.Now, report.AllocationsStaged, report.AllocationsPlanned, report.Exceptions.Count, report.PeriodFrom, report.PeriodTo);
        return new SettlementServiceResult(SettlementRunOutcome.Settled, message, report, runId, LeaseLost: leaseLost);
    }

    /// <summary>Renews the lease every third of its duration until cancelled; false once it was found lost.</summary>
    private async Task<bool> KeepLeaseAsync(ISettlementLease lease, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RenewInterval, _clock, ct).ConfigureAwait(false);
                if (!await lease.RenewAsync(ct).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return true;
        }
        catch (Exception ex)
        {
            // Renewal failing is no reason to abandon a run that is idempotent anyway; the lease then simply expires.
            _logger.LogWarning("Renewing the settlement lease failed: {Error}", ex.Message);
            return false;
        }
    }

    private async Task<SettlementServiceResult> FailAsync(DateTimeOffset startedAt, DateTimeOffset settleAt, Exception error)
    {
        _logger.LogError(error, "Settlement on {Instance} as of {Now} failed: {Error}", _options.InstanceName, settleAt, error.Message);
        string reason = string.Concat(error.GetType().Name, ": ", error.Message);
        long? runId = null;
        try
        {
            var record = new SettlementRunRecord(startedAt, _clock.GetUtcNow(), settleAt, 0, 0, _options.InstanceName);
            runId = await _ledger.RecordFailedSettlementRunAsync(record, reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LedgerException or Npgsql.NpgsqlException)
        {
            _logger.LogWarning("The failed settlement run could not be recorded either: {Error}", ex.Message);
        }

        return new SettlementServiceResult(SettlementRunOutcome.Failed, "settlement failed: " + reason, null, runId, error);
    }

    private async Task ReleaseAsync(ISettlementLease lease)
    {
        try
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The lease expires on its own.
            _logger.LogWarning("Releasing the settlement lease failed (it expires on its own): {Error}", ex.Message);
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;

namespace TelemetryPipeline.Odoo.Posting;

/// <summary>An allocation now posted, with the Odoo records that hold it (<c>model:id,id,…</c>).</summary>
public sealed record PostedAllocation(string AllocationId, string OdooRefs);

/// <summary>An allocation that could not be posted; it is <c>post_failed</c> with <paramref name="Reason"/> and is retried by the next run.</summary>
public sealed record FailedAllocation(string AllocationId, string Reason);

/// <summary>An allocation this run left alone, and why (another run posted it first, it disappeared, …).</summary>
public sealed record SkippedAllocation(string AllocationId, string Reason);

/// <summary>What one posting run did. <see cref="NotRunReason"/> is set when the run did not start (another run holds the lock).</summary>
public sealed record AllocationPostingSummary(
    IReadOnlyList<PostedAllocation> Posted,
    IReadOnlyList<FailedAllocation> Failed,
    IReadOnlyList<SkippedAllocation> Skipped,
    string? NotRunReason = null)
{
    /// <summary>The message when another posting run is in progress.</summary>
    public const string LockHeldMessage = "another posting run is in progress (ledger lock odoo-posting held)";

    public int Considered => Posted.Count + Failed.Count + Skipped.Count;

    /// <summary>Exit code for the <c>post</c> verb: 0 all posted (or nothing to do), 1 some failed, 75 (EX_TEMPFAIL) another run holds the lock.</summary>
    public int ExitCode => NotRunReason is not null ? 75 : Failed.Count > 0 ? 1 : 0;

    /// <summary>A few lines for a terminal or a log: counts, then every failure and skip with its reason.</summary>
    public string Summary
    {
        get
        {
            if (NotRunReason is not null)
            {
                return "not posted: " + NotRunReason;
            }

            var lines = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture, $"posted {Posted.Count}, failed {Failed.Count}, skipped {Skipped.Count}"),
            };
            foreach (var failed in Failed)
            {
                lines.Add($"  failed  {failed.AllocationId}: {failed.Reason}");
            }

            foreach (var skipped in Skipped)
            {
                lines.Add($"  skipped {skipped.AllocationId}: {skipped.Reason}");
            }

            return string.Join(Environment.NewLine, lines);
        }
    }

    public override string ToString() => Summary;
}

/// <summary>
/// Posts what finance approved: reads postable allocations from the ledger (approved, and post_failed to retry),
/// posts them with <see cref="OdooPoster"/> (external id per line, looked up before create), and records each outcome
/// in the ledger — posted with the Odoo ids, or post_failed with Odoo's message. One run at a time across all
/// instances (a ledger advisory lock), so two runs never create the same record twice; the ledger transition is the
/// final word, so an allocation another run already marked is skipped. Safe to repeat: a second run finds every ref in
/// Odoo and creates nothing.
/// </summary>
public sealed class AllocationPostingService
{
    /// <summary>The ledger lock that serializes posting runs.</summary>
    public const string LockName = "odoo-posting";

    /// <summary>Default allocations per poster call; every page's outcomes are in the ledger before the next page is read.</summary>
    public const int DefaultPageSize = 100;

    private readonly LedgerStore _ledger;
    private readonly OdooPoster _poster;
    private readonly string _model;
    private readonly int _pageSize;
    private readonly ILogger _logger;

    /// <summary>A service posting with <paramref name="poster"/> (keep one per process); <paramref name="options"/> must be the poster's.</summary>
    public AllocationPostingService(
        LedgerStore ledger, OdooPoster poster, OdooOptions options, ILogger<AllocationPostingService>? logger = null, int pageSize = DefaultPageSize)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(poster);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, AllocationQuery.MaxLimit);
        _ledger = ledger;
        _poster = poster;
        _model = options.PostsDraftMoves ? "account.move" : "account.analytic.line";
        _pageSize = pageSize;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Posts every postable allocation (up to <see cref="AllocationQuery.MaxLimit"/> per run; the rest wait for the
    /// next). Odoo failures never throw: they are <see cref="AllocationPostingSummary.Failed"/> entries. A ledger that
    /// cannot be reached throws <see cref="LedgerException"/>.
    /// </summary>
    public async Task<AllocationPostingSummary> PostAsync(CancellationToken cancellationToken)
    {
        await using var runLock = await _ledger.TryAcquireLockAsync(LockName, cancellationToken).ConfigureAwait(false);
        if (runLock is null)
        {
            _logger.LogInformation("Posting to Odoo skipped: {Reason}", AllocationPostingSummary.LockHeldMessage);
            return new AllocationPostingSummary([], [], [], AllocationPostingSummary.LockHeldMessage);
        }

        var posted = new List<PostedAllocation>();
        var failed = new List<FailedAllocation>();
        var skipped = new List<SkippedAllocation>();
        var handled = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            // Failures of this run stay postable: read past them rather than post them twice in one run. Every round
            // handles at least one allocation it has not seen, so the loop ends; more than MaxLimit failures in one
            // run would hide the rest until the next run.
            var limit = Math.Min(AllocationQuery.MaxLimit, handled.Count + _pageSize);
            var postable = await _ledger.ListPostableAsync(limit, cancellationToken).ConfigureAwait(false);
            var page = new List<LedgerEntry>(_pageSize);
            foreach (var entry in postable)
            {
                if (page.Count < _pageSize && !handled.Contains(entry.AllocationId))
                {
                    page.Add(entry);
                }
            }

            if (page.Count == 0)
            {
                break;
            }

            await PostPageAsync(page, handled, posted, failed, skipped, cancellationToken).ConfigureAwait(false);
        }

        var summary = new AllocationPostingSummary(posted, failed, skipped);
        _logger.LogInformation("Posting to Odoo: {Posted} posted, {Failed} failed, {Skipped} skipped", posted.Count, failed.Count, skipped.Count);
        return summary;
    }

    private async Task PostPageAsync(
        List<LedgerEntry> page,
        HashSet<string> handled,
        List<PostedAllocation> posted,
        List<FailedAllocation> failed,
        List<SkippedAllocation> skipped,
        CancellationToken ct)
    {
        var inputs = new List<OdooPostingInput>(page.Count);
        foreach (var entry in page)
        {
            handled.Add(entry.AllocationId);
            inputs.Add(OdooPostingInput.FromAllocation(entry.Allocation));
        }

        var outcomes = await _poster.PostAsync(inputs, ct).ConfigureAwait(false);
        foreach (var outcome in outcomes)
        {
            try
            {
                if (outcome.Posted)
                {
                    var refs = FormatRefs(outcome.OdooIds);
                    var result = await _ledger.MarkPostedAsync(outcome.AllocationId, refs, ct).ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        posted.Add(new PostedAllocation(outcome.AllocationId, refs));
                    }
                    else
                    {
                        skipped.Add(new SkippedAllocation(outcome.AllocationId, "in Odoo, but the ledger did not take it: " + result.Message));
                    }
                }
                else
                {
                    var reason = outcome.Error ?? "not posted";
                    var result = await _ledger.MarkPostFailedAsync(outcome.AllocationId, reason, ct).ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        failed.Add(new FailedAllocation(outcome.AllocationId, reason));
                        _logger.LogWarning("Allocation {AllocationId} was not posted: {Reason}", outcome.AllocationId, reason);
                    }
                    else
                    {
                        skipped.Add(new SkippedAllocation(outcome.AllocationId, $"not posted ({reason}), and the ledger did not take the failure: {result.Message}"));
                    }
                }
            }
            catch (LedgerException ex)
            {
                // Odoo holds what was created; the next run looks the refs up and records them without creating anything.
                failed.Add(new FailedAllocation(outcome.AllocationId, $"the ledger could not record the outcome ({(outcome.Posted ? "posted in Odoo" : outcome.Error)}): {ex.Message}"));
                _logger.LogWarning("Allocation {AllocationId}: the ledger could not record the posting outcome: {Error}", outcome.AllocationId, ex.Message);
            }
        }
    }

    private string FormatRefs(IReadOnlyList<long> ids) =>
        string.Concat(_model, ":", string.Join(",", ids.Select(static id => id.ToString(CultureInfo.InvariantCulture))));
}

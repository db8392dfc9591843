using System.Collections.Concurrent;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Web.Utilization;

/// <summary>
/// Reads the buckets and incidents of a range and computes the report. Answers are reused for a couple of seconds per
/// (range, project) so many open pages refreshing together cost one read of Redis, not one each.
/// </summary>
public sealed class UtilizationService(TelemetryPipelineWebDependencies deps, WebOptions options)
{
    private readonly ConcurrentDictionary<(DateOnly, DateOnly, string?), (long At, Task<UtilizationReport> Report)> _cache = new();

    private long ReuseTicks => TimeSpan.FromSeconds(Math.Clamp(options.RefreshSeconds / 2.0, 0.5, 5)).Ticks;

    public Task<UtilizationReport> GetAsync(DateOnly from, DateOnly to, string? project, CancellationToken ct)
    {
        if (to < from || to.DayNumber - from.DayNumber >= UtilizationCalculator.MaxDays)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"A utilization range covers 1..{UtilizationCalculator.MaxDays} days.");
        }

        project = string.IsNullOrWhiteSpace(project) ? null : project.Trim();
        long now = deps.Clock.GetUtcNow().UtcTicks;
        var key = (from, to, project);
        if (_cache.TryGetValue(key, out var cached) && now - cached.At < ReuseTicks && !cached.Report.IsFaulted && !cached.Report.IsCanceled)
        {
            return cached.Report;
        }

        if (_cache.Count > 64)
        {
            _cache.Clear();
        }

        // Not tied to one request's cancellation: the answer is shared with the other pages asking for the same range.
        Task<UtilizationReport> report = ComputeAsync(from, to, project, CancellationToken.None);
        _cache[key] = (now, report);
        return report.WaitAsync(ct);
    }

    private async Task<UtilizationReport> ComputeAsync(DateOnly from, DateOnly to, string? project, CancellationToken ct)
    {
        var buckets = new List<BucketEntry>();
        var incidents = new List<MeterIncident>();
        foreach (long day in UtilizationCalculator.UtcDaysToRead(from, to))
        {
            buckets.AddRange(await deps.Telemetry.ReadDayAsync(day, ct).ConfigureAwait(false));
            incidents.AddRange(await deps.Telemetry.ReadIncidentsAsync(day, ct).ConfigureAwait(false));
        }

        return UtilizationCalculator.Compute(buckets, incidents, deps.MasterData(), from, to, project, deps.Clock.GetUtcNow());
    }
}

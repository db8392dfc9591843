using System.Collections.Concurrent;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Web.Tests.Support;

/// <summary>Buckets and incidents in memory, keyed by UTC day; what the web reads from Redis in production.</summary>
public sealed class FakeTelemetryStore : ITelemetryStore
{
    private readonly ConcurrentDictionary<(string, long, Measure, string?, string?), long> _cells = new();
    private readonly ConcurrentBag<MeterIncident> _incidents = [];

    public int DayReads;

    public void Add(string identifier, long bucketStartMs, Measure measure, long amount, string? projectCode = null, string? costCode = null)
    {
        if (bucketStartMs % BucketMath.BucketMs != 0)
        {
            throw new ArgumentException("Not a bucket start.", nameof(bucketStartMs));
        }

        _cells.AddOrUpdate((identifier, bucketStartMs, measure, projectCode, costCode), amount, (_, old) => old + amount);
    }

    public void AddIncident(MeterIncident incident) => _incidents.Add(incident);

    public Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The web never writes buckets.");

    public Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref DayReads);
        var entries = new List<BucketEntry>();
        foreach (var pair in _cells)
        {
            (string identifier, long start, Measure measure, string? project, string? cost) = pair.Key;
            if (BucketMath.UtcDay(start) == utcDay)
            {
                entries.Add(new BucketEntry(identifier, start, measure, project, cost, pair.Value));
            }
        }

        entries.Sort(static (a, b) => a.BucketStartMs != b.BucketStartMs ? a.BucketStartMs.CompareTo(b.BucketStartMs) : string.CompareOrdinal(a.Identifier, b.Identifier));
        return Task.FromResult<IReadOnlyList<BucketEntry>>(entries);
    }

    public Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MeterIncident>>(_incidents.Where(i => BucketMath.UtcDay(i.EventTimeMs) == utcDay).OrderBy(static i => i.EventTimeMs).ToList());
}

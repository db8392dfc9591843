using System.Globalization;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

/// <summary>Instants and records for tests, written the way the rules state them.</summary>
internal static class T
{
    public const long Hour = 3_600_000;
    public const long Minute = 60_000;

    public static long Ms(string isoUtc) =>
        DateTimeOffset.Parse(isoUtc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();

    public static DateTimeOffset At(string isoUtc) =>
        DateTimeOffset.Parse(isoUtc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static DateOnly Day(string iso) => DateOnly.Parse(iso, CultureInfo.InvariantCulture);

    public static BucketEntry Op(string identifier, string bucketStartIso, long ms, string? project = null, string? cost = null) =>
        new(identifier, Ms(bucketStartIso), Measure.OperatingMs, project, cost, ms);

    public static BucketEntry Idle(string identifier, string bucketStartIso, long ms, string? project = null, string? cost = null) =>
        new(identifier, Ms(bucketStartIso), Measure.IdleMs, project, cost, ms);

    public static BucketEntry Burn(string identifier, string bucketStartIso, long ml, string? project = null, string? cost = null) =>
        new(identifier, Ms(bucketStartIso), Measure.FuelBurnMl, project, cost, ml);

    public static BucketEntry Fill(string identifier, string bucketStartIso, long ml) =>
        new(identifier, Ms(bucketStartIso), Measure.FuelFillMl, null, null, ml);

    /// <summary>A delta spread over [start, end) with the domain's spreading rule, as ingest would store it.</summary>
    public static List<BucketEntry> Spread(string identifier, Measure measure, long amount, string startIso, string endIso)
    {
        var list = new List<BucketEntry>();
        BucketMath.Spread(amount, Ms(startIso), Ms(endIso), (bucket, part) => list.Add(new BucketEntry(identifier, bucket, measure, null, null, part)));
        return list;
    }

    public static EquipmentAssignment Assign(string equipmentId, string project, string cost, string fromIso, string? toIso = null) =>
        new(equipmentId, project, cost, Ms(fromIso), toIso is null ? null : Ms(toIso));

    public static EquipmentRate Rate(
        string equipmentId,
        decimal operating,
        decimal idle = 0m,
        decimal fuelPrice = 0m,
        bool fuelIncluded = false,
        string currency = "USD",
        string fromIso = "2026-01-01T00:00Z") =>
        new(equipmentId, Ownership.Owned, operating, idle, fuelIncluded, fuelPrice, currency, Ms(fromIso));

    /// <summary>PRJ-1 in UTC (USD), PRJ-CHI in America/Chicago (USD), PRJ-BER in Europe/Berlin (EUR).</summary>
    public static SettlementOptions Options(IReadOnlyDictionary<string, string>? costCodeMap = null) => new()
    {
        Projects = new Dictionary<string, ProjectSettings>
        {
            ["PRJ-1"] = new() { Name = "Riverside" },
            ["PRJ-CHI"] = new() { TimeZone = "America/Chicago" },
            ["PRJ-BER"] = new() { TimeZone = "Europe/Berlin", Currency = "EUR" },
        },
        CostCodeMap = costCodeMap ?? new Dictionary<string, string>(),
    };
}

/// <summary>An in-memory window state: cells keyed like the real store (identifier, bucket, measure, codes), summed.</summary>
internal sealed class FakeTelemetryStore : ITelemetryStore
{
    private readonly Dictionary<(string, long, Measure, string?, string?), long> _cells = [];
    private readonly HashSet<long> _expiredDays = [];

    public int DaysRead { get; private set; }

    public void Add(IEnumerable<BucketEntry> entries)
    {
        foreach (BucketEntry e in entries)
        {
            var key = (e.Identifier, e.BucketStartMs, e.Measure, e.ProjectCode, e.CostCode);
            _cells[key] = _cells.GetValueOrDefault(key) + e.Amount;
        }
    }

    public void Add(params BucketEntry[] entries) => Add((IEnumerable<BucketEntry>)entries);

    /// <summary>Simulates the TTL of the window state: the day reads empty from now on.</summary>
    public void Expire(long utcDay) => _expiredDays.Add(utcDay);

    public Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Settlement only reads buckets.");

    public Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken)
    {
        DaysRead++;
        var day = new List<BucketEntry>();
        if (!_expiredDays.Contains(utcDay))
        {
            foreach (KeyValuePair<(string Id, long Bucket, Measure Measure, string? Project, string? Cost), long> cell in _cells)
            {
                if (BucketMath.UtcDay(cell.Key.Bucket) == utcDay)
                {
                    day.Add(new BucketEntry(cell.Key.Id, cell.Key.Bucket, cell.Key.Measure, cell.Key.Project, cell.Key.Cost, cell.Value));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<BucketEntry>>(day);
    }

    public Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MeterIncident>>([]);
}

/// <summary>An in-memory ledger with the contract of the real one: ids are unique, staging an existing id changes nothing.</summary>
internal sealed class FakeLedger : ISettlementLedger
{
    private readonly List<Allocation> _allocations = [];

    public IReadOnlyList<Allocation> Allocations => _allocations;

    public IReadOnlyList<SettlementException> Exceptions { get; private set; } = [];

    public int StageCalls { get; private set; }

    public Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Allocation>>(_allocations.Where(a => a.Period >= from && a.Period <= to).ToList());

    public Task<int> StageAsync(IReadOnlyList<Allocation> allocations, CancellationToken cancellationToken)
    {
        StageCalls++;
        int added = 0;
        foreach (Allocation allocation in allocations)
        {
            if (_allocations.All(a => a.AllocationId != allocation.AllocationId))
            {
                _allocations.Add(allocation);
                added++;
            }
        }

        return Task.FromResult(added);
    }

    public Task ReplaceExceptionsAsync(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, CancellationToken cancellationToken)
    {
        if (exceptions.Any(e => e.Period < from || e.Period > to))
        {
            throw new ArgumentException("Every exception must lie in the replaced range.", nameof(exceptions));
        }

        Exceptions = [.. Exceptions.Where(e => e.Period < from || e.Period > to), .. exceptions];
        return Task.CompletedTask;
    }

    public void SetStatus(string allocationId, AllocationStatus status)
    {
        int i = _allocations.FindIndex(a => a.AllocationId == allocationId);
        _allocations[i] = _allocations[i] with { Status = status };
    }

    public Allocation Get(string allocationId) => _allocations.Single(a => a.AllocationId == allocationId);
}

using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Finance.Tests.Support;

/// <summary>Instants written the way the rules state them.</summary>
internal static class T
{
    public const long Hour = 3_600_000;
    public const long Minute = 60_000;

    public static long Ms(string isoUtc) => At(isoUtc).ToUnixTimeMilliseconds();

    public static DateTimeOffset At(string isoUtc) =>
        DateTimeOffset.Parse(isoUtc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateOnly Day(string iso) => DateOnly.Parse(iso, CultureInfo.InvariantCulture);
}

/// <summary>Normalized events as ingest hands them to the dedupe+buckets step (ids from (type, source, eventId)).</summary>
internal static class Ev
{
    /// <summary>Operating time over [start, end); the delta is the interval's length unless <paramref name="ms"/> says otherwise.</summary>
    public static NormalizedEvent Op(string identifier, string eventId, string startIso, string endIso, long? ms = null, string? project = null, string? cost = null) =>
        Delta(RecordType.Usage, Measure.OperatingMs, identifier, eventId, startIso, endIso, ms, project, cost);

    /// <summary>Idle time over [start, end).</summary>
    public static NormalizedEvent Idle(string identifier, string eventId, string startIso, string endIso, long? ms = null) =>
        Delta(RecordType.Idle, Measure.IdleMs, identifier, eventId, startIso, endIso, ms, null, null);

    /// <summary>A fuel burn landing whole in the bucket containing <paramref name="atIso"/>.</summary>
    public static NormalizedEvent Burn(string identifier, string eventId, string atIso, long ml) =>
        new(RecordType.Fuel, DedupeId.Compute(RecordType.Fuel, "test", eventId), identifier, T.Ms(atIso), ContributionKind.Point, Measure.FuelBurnMl, ml, 0, null, null);

    private static NormalizedEvent Delta(
        RecordType type, Measure measure, string identifier, string eventId, string startIso, string endIso, long? ms, string? project, string? cost)
    {
        long start = T.Ms(startIso);
        long end = T.Ms(endIso);
        return new(type, DedupeId.Compute(type, "test", eventId), identifier, end, ContributionKind.Delta, measure, ms ?? (end - start), start, project, cost);
    }
}

/// <summary>Master-data records and the settlement configuration of these tests.</summary>
internal static class Md
{
    public static EquipmentAssignment Assign(string equipmentId, string project, string cost, string fromIso = "2026-11-01T00:00Z", string? toIso = null) =>
        new(equipmentId, project, cost, T.Ms(fromIso), toIso is null ? null : T.Ms(toIso));

    public static EquipmentRate Rate(
        string equipmentId, decimal operating, decimal idle = 0m, decimal fuelPrice = 0m, bool fuelIncluded = false, string currency = "USD",
        string fromIso = "2026-11-01T00:00Z", Ownership ownership = Ownership.Owned) =>
        new(equipmentId, ownership, operating, idle, fuelIncluded, fuelPrice, currency, T.Ms(fromIso));

    public static EquipmentAlias Alias(string scheme, string value, string equipmentId) => new(scheme, value, equipmentId);

    /// <summary>PRJ-1 in UTC (USD), PRJ-CHI in America/Chicago (USD), PRJ-BER in Europe/Berlin (EUR); company USD; grace 2 h.</summary>
    public static SettlementOptions Settlement() => new()
    {
        CompanyCurrency = "USD",
        Projects = new Dictionary<string, ProjectSettings>
        {
            ["PRJ-1"] = new() { Name = "Riverside" },
            ["PRJ-CHI"] = new() { TimeZone = "America/Chicago" },
            ["PRJ-BER"] = new() { TimeZone = "Europe/Berlin", Currency = "EUR" },
        },
    };
}

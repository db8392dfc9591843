using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Web.Tests.Support;

/// <summary>
/// A small fleet over the week ending <see cref="Day"/>: aliased, canonical and unknown identifiers, two projects in two
/// time zones, a machine without assignment, one without rate, explicit codes, meter incidents and a hostile identifier.
/// </summary>
public static class Fleet
{
    public const long Minute = 60_000;
    public const long Hour = 60 * Minute;

    public static readonly DateOnly Day = new(2026, 11, 20);

    /// <summary>The instant settlement runs at: every period of the week is closed (end of day + 2 h grace).</summary>
    public static readonly DateTimeOffset SettleNow = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    public const string Aliased = "serial:CAT0042X";
    public const string Dozer = "canonical:DZ-0007";
    public const string Loader = "telematics:TL-100";
    public const string Unknown = "telematics:UNKNOWN-9";
    public const string Unassigned = "canonical:CR-0500";
    public const string Unpriced = "canonical:GR-0300";
    public const string Hostile = "serial:\"><img src=x onerror=alert(1)>";
    public const string ExplicitCodes = "canonical:EX-0042";

    private static readonly long s_from = Ms(new DateOnly(2026, 11, 1));

    public static SettlementOptions SettlementOptions { get; } = new()
    {
        CompanyCurrency = "USD",
        Projects = new Dictionary<string, ProjectSettings>(StringComparer.Ordinal)
        {
            ["PRJ-1001"] = new() { Name = "North Bridge", TimeZone = "UTC" },
            ["PRJ-2002"] = new() { Name = "Harbor Tunnel", TimeZone = "America/Chicago" },
        },
    };

    public static long Ms(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static void Populate(FakeTelemetryStore store, InMemoryMasterDataSource masterData)
    {
        masterData.Upsert(new EquipmentAlias("serial", "CAT0042X", "EX-0042"));
        masterData.Upsert(new EquipmentAlias("telematics", "TL-100", "LD-0100"));
        masterData.Upsert(new EquipmentAssignment("EX-0042", "PRJ-1001", "03-200", s_from, null));
        masterData.Upsert(new EquipmentAssignment("DZ-0007", "PRJ-1001", "03-300", s_from, null));
        masterData.Upsert(new EquipmentAssignment("LD-0100", "PRJ-2002", "02-100", s_from, null));
        masterData.Upsert(new EquipmentAssignment("GR-0300", "PRJ-2002", "02-200", s_from, null));
        masterData.Upsert(new EquipmentRate("EX-0042", Ownership.Owned, 130.0000m, 30.0000m, false, 1.5500m, "USD", s_from));
        masterData.Upsert(new EquipmentRate("DZ-0007", Ownership.Rented, 95.0000m, 25.0000m, true, 0m, "USD", s_from));
        masterData.Upsert(new EquipmentRate("LD-0100", Ownership.Owned, 110.0000m, 28.0000m, false, 1.6000m, "USD", s_from));

        for (int i = 0; i < 7; i++)
        {
            DateOnly day = Day.AddDays(i - 6);
            long midnight = Ms(day);
            Work(store, Aliased, midnight + (7 * Hour), midnight + ((15 + (i % 3)) * Hour), idleMinutes: 3, fuelLitersPerHour: 18);
            store.Add(Aliased, midnight + (6 * Hour), Measure.FuelFillMl, 200_000);
            Work(store, Dozer, midnight + (8 * Hour), midnight + ((12 + (i % 2)) * Hour), idleMinutes: 6, fuelLitersPerHour: 12);
            // Chicago (UTC−6 in November): 07:00–16:00 local.
            Work(store, Loader, midnight + (13 * Hour), midnight + ((22 - (i % 2)) * Hour), idleMinutes: 1, fuelLitersPerHour: 15);
        }

        long d = Ms(Day);
        Work(store, Unknown, d + (9 * Hour), d + (11 * Hour), idleMinutes: 2, fuelLitersPerHour: 10);
        Work(store, Unassigned, d + (10 * Hour), d + (12 * Hour), idleMinutes: 5, fuelLitersPerHour: 8);
        Work(store, Unpriced, d + (14 * Hour), d + (18 * Hour), idleMinutes: 4, fuelLitersPerHour: 9);
        Work(store, Hostile, d + (12 * Hour), d + (12 * Hour) + (15 * Minute), idleMinutes: 1, fuelLitersPerHour: 4);
        Work(store, ExplicitCodes, d + (16 * Hour), d + (17 * Hour), idleMinutes: 2, fuelLitersPerHour: 20, project: "PRJ-1001", cost: "03-400");

        store.AddIncident(new MeterIncident(Aliased, Measure.OperatingMs, EventOutcome.Reset, d + (12 * Hour), d + (11 * Hour) + (45 * Minute), 9_000 * Hour, 12 * Minute, 0));
        store.AddIncident(new MeterIncident(Dozer, Measure.IdleMs, EventOutcome.Anomaly, d + (10 * Hour), d + (9 * Hour), 400 * Hour, 402 * Hour, 2 * Hour));
        store.AddIncident(new MeterIncident(Loader, Measure.FuelBurnMl, EventOutcome.LateReading, d + (15 * Hour), d + (16 * Hour), 81_000_000, 80_900_000, 0));
    }

    /// <summary>Full 15-minute buckets of operating time over [start, end), with idle and fuel burned in each.</summary>
    public static void Work(
        FakeTelemetryStore store, string identifier, long start, long end, long idleMinutes, long fuelLitersPerHour, string? project = null, string? cost = null)
    {
        for (long bucket = start; bucket < end; bucket += BucketMath.BucketMs)
        {
            store.Add(identifier, bucket, Measure.OperatingMs, BucketMath.BucketMs, project, cost);
            store.Add(identifier, bucket, Measure.IdleMs, idleMinutes * Minute, project, cost);
            store.Add(identifier, bucket, Measure.FuelBurnMl, fuelLitersPerHour * 1000 / 4, project, cost);
        }
    }
}

using TelemetryPipeline.Domain;

namespace TelemetryPipeline.State.Tests;

/// <summary>Builders for normalized events in tests.</summary>
internal static class Events
{
    /// <summary>2026-01-01T00:00:00Z.</summary>
    public const long Day0 = 1_767_225_600_000;

    public const long Minute = 60_000;
    public const long Hour = 3_600_000;

    public static long UtcDay(long timeMs) => BucketMath.UtcDay(timeMs);

    public static NormalizedEvent Delta(
        string identifier, string eventId, long startMs, long endMs, long amount,
        Measure measure = Measure.OperatingMs, RecordType type = RecordType.Usage, string? project = null, string? cost = null) =>
        new(type, DedupeId.Compute(type, "test", eventId), identifier, endMs, ContributionKind.Delta, measure, amount, startMs, project, cost);

    public static NormalizedEvent Point(
        string identifier, string eventId, long timeMs, long amount,
        Measure measure = Measure.FuelBurnMl, RecordType type = RecordType.Fuel, string? project = null, string? cost = null) =>
        new(type, DedupeId.Compute(type, "test", eventId), identifier, timeMs, ContributionKind.Point, measure, amount, 0, project, cost);

    public static NormalizedEvent Reading(
        string identifier, string eventId, long timeMs, long reading,
        Measure measure = Measure.OperatingMs, RecordType type = RecordType.Usage) =>
        new(type, DedupeId.Compute(type, "test", eventId), identifier, timeMs, ContributionKind.MeterReading, measure, reading, 0, null, null);
}

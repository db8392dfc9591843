namespace TelemetryPipeline.Domain;

/// <summary>What the dedupe+buckets step did with one event.</summary>
public enum EventOutcome : byte
{
    /// <summary>New event; its contribution was added to its buckets.</summary>
    Applied = 0,

    /// <summary>Same (record type, source, eventId) seen before within retention: nothing changed.</summary>
    Duplicate = 1,

    /// <summary>First reading of a meter: it only set the baseline.</summary>
    Baseline = 2,

    /// <summary>Meter reading lower than the previous one: delta 0, new baseline, incident recorded.</summary>
    Reset = 3,

    /// <summary>Meter delta larger than the elapsed time (or fuel above 2,000 L): new baseline, delta held out, incident recorded.</summary>
    Anomaly = 4,

    /// <summary>Meter reading not after the latest applied one: reported, not applied.</summary>
    LateReading = 5,
}

/// <summary>The result of one atomic apply: one outcome per input event, in input order.</summary>
public sealed record ApplyBatchResult(EventOutcome[] Outcomes, int RedisCalls);

/// <summary>One bucket cell: an identifier as sent, a 15-minute bucket, a measure and the explicit codes the events carried (both or neither).</summary>
public readonly record struct BucketEntry(
    string Identifier, long BucketStartMs, Measure Measure, string? ProjectCode, string? CostCode, long Amount);

/// <summary>A meter reset, anomaly or late reading, kept for people to see (never allocated).</summary>
public sealed record MeterIncident(
    string Identifier,
    Measure Measure,
    EventOutcome Kind,
    long EventTimeMs,
    long PreviousTimeMs,
    long PreviousReading,
    long Reading,
    long HeldOutDelta);

/// <summary>
/// The seam to the window state (Redis). <see cref="ApplyAsync"/> is atomic per shard: dedupe markers,
/// meter baselines and bucket increments of a batch are written together or not at all, so replaying
/// a batch after a crash changes nothing.
/// </summary>
public interface ITelemetryStore
{
    Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken);

    /// <summary>Every bucket cell of the UTC day (days since the epoch).</summary>
    Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken);

    /// <summary>Meter incidents recorded for events of the UTC day.</summary>
    Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken);
}

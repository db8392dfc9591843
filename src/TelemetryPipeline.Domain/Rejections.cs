namespace TelemetryPipeline.Domain;

/// <summary>Why a record was rejected; the code goes into the DLQ header <c>tp-reason</c> and metric labels.</summary>
public static class RejectionReasons
{
    public const string Undecodable = "undecodable";
    public const string UnknownSchema = "unknown_schema";
    public const string MissingMeasure = "missing_measure";
    public const string NegativeDelta = "negative_delta";
    public const string DeltaExceedsInterval = "delta_exceeds_interval";
    public const string InvalidInterval = "invalid_interval";
    public const string NonPositiveQuantity = "non_positive_quantity";
    public const string AbsurdQuantity = "absurd_quantity";
    public const string FutureEventTime = "future_event_time";
    public const string BeyondRetention = "beyond_retention";
    public const string InvalidIdentifier = "invalid_identifier";
    public const string InvalidNumber = "invalid_number";
}

/// <summary>A rejected record: a machine-readable <see cref="Reason"/> code and a sentence a person can act on.</summary>
public readonly record struct Rejection(string Reason, string Detail)
{
    public override string ToString() => $"{Reason}: {Detail}";
}

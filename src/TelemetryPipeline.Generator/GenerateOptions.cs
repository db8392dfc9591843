namespace TelemetryPipeline.Generator;

/// <summary>Options of the <c>generate</c> verb: the scenario and how hard to push it into Kafka.</summary>
public sealed record GenerateOptions
{
    public ScenarioOptions Scenario { get; init; } = new();

    /// <summary>
    /// Most records handed to the producer and not yet acknowledged. When full, generation waits for
    /// delivery reports (back-pressure), so memory stays bounded whatever the scenario's size.
    /// </summary>
    public int MaxInFlight { get; init; } = 50_000;

    /// <summary>Producer batching delay; a few milliseconds fill lz4-compressed batches well.</summary>
    public int LingerMs { get; init; } = 10;

    /// <summary>Idempotent producer: retries cannot reorder one identifier's records (meter readings are applied in arrival order).</summary>
    public bool EnableIdempotence { get; init; } = true;

    /// <summary>How often a plain progress line is written when stdout is not a terminal.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Progress bar (true), plain lines (false) or decide by whether stdout is a terminal (null).</summary>
    public bool? ProgressBar { get; init; }

    public string ClientId { get; init; } = "telemetry-generator";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option and its allowed range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Scenario);
        Scenario.Validate();
        if (MaxInFlight is < 1 or > 10_000_000)
        {
            throw new ArgumentException($"Generator:MaxInFlight must be between 1 and 10000000 (got {MaxInFlight}).", nameof(MaxInFlight));
        }

        if (LingerMs is < 0 or > 60_000)
        {
            throw new ArgumentException($"Generator:LingerMs must be between 0 and 60000 (got {LingerMs}).", nameof(LingerMs));
        }

        if (ProgressInterval < TimeSpan.FromMilliseconds(100) || ProgressInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Generator:ProgressInterval must be between 00:00:00.1 and 01:00:00 (got {ProgressInterval}).", nameof(ProgressInterval));
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            throw new ArgumentException("Generator:ClientId must not be empty.", nameof(ClientId));
        }
    }
}

namespace TelemetryPipeline.Kafka;

/// <summary>
/// The Kafka layer cannot start because of the machine or the configuration, not because of data:
/// fatal and not retriable; the message says what to change (a package to install, a key to fix).
/// </summary>
public sealed class KafkaSetupException : Exception
{
    public KafkaSetupException()
    {
    }

    public KafkaSetupException(string message)
        : base(message)
    {
    }

    public KafkaSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The configuration key at fault (for example <c>Kafka:SessionTimeoutMs</c>), or null when the fault is not a key.</summary>
    public string? Key { get; init; }

    /// <summary>Always false: retrying without changing the setup fails the same way.</summary>
    public bool IsRetriable => false;

    /// <summary>Always true: the process cannot consume or produce until the setup is fixed.</summary>
    public bool IsFatal => true;

    internal static KafkaSetupException ForKey(string key, string message) => new(message) { Key = key };
}

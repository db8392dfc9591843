namespace TelemetryPipeline.Kafka;

/// <summary>
/// Kafka topic names (configuration section <c>Kafka:Topics</c>). Telemetry topics carry Avro events;
/// master-data topics are compacted in production and keyed by the entity id.
/// </summary>
public sealed record TopicNames
{
    /// <summary>The configuration section these names bind from.</summary>
    public const string Section = "Kafka:Topics";

    // Kafka's own limit: legal characters and at most 249 of them (the log directory name adds a suffix).
    private const int MaxTopicLength = 249;

    /// <summary>Cumulative operating-hour readings.</summary>
    public string Usage { get; init; } = "equipment.usage";

    /// <summary>Cumulative idle-hour readings.</summary>
    public string Idle { get; init; } = "equipment.idle";

    /// <summary>Cumulative fuel-used readings.</summary>
    public string Fuel { get; init; } = "equipment.fuel";

    /// <summary>Equipment-to-project/cost-code assignments (master data, compacted).</summary>
    public string Assignments { get; init; } = "equipment.assignments";

    /// <summary>Identifier-to-canonical-equipment aliases (master data, compacted).</summary>
    public string Aliases { get; init; } = "equipment.aliases";

    /// <summary>Rate cards (master data, compacted).</summary>
    public string Rates { get; init; } = "equipment.rates";

    /// <summary>Dead-letter topic for undecodable or rejected telemetry, with reason headers.</summary>
    public string Dlq { get; init; } = "equipment.telemetry.dlq";

    /// <summary>
    /// The default names, each behind <c>prefix.</c> (e.g. <c>t7.equipment.usage</c>): one isolated set of topics per
    /// test, benchmark or environment sharing a cluster.
    /// </summary>
    public static TopicNames Prefixed(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var defaults = new TopicNames();
        return new TopicNames
        {
            Usage = $"{prefix}.{defaults.Usage}",
            Idle = $"{prefix}.{defaults.Idle}",
            Fuel = $"{prefix}.{defaults.Fuel}",
            Assignments = $"{prefix}.{defaults.Assignments}",
            Aliases = $"{prefix}.{defaults.Aliases}",
            Rates = $"{prefix}.{defaults.Rates}",
            Dlq = $"{prefix}.{defaults.Dlq}",
        };
    }

    /// <summary>The three telemetry topics the ingest path subscribes to: usage, idle, fuel.</summary>
    public IReadOnlyList<string> Telemetry => [Usage, Idle, Fuel];

    /// <summary>The three master-data topics settlement reads: assignments, aliases, rates.</summary>
    public IReadOnlyList<string> MasterData => [Assignments, Aliases, Rates];

    /// <summary>Every topic: telemetry, master data, then the DLQ.</summary>
    public IReadOnlyList<string> All => [Usage, Idle, Fuel, Assignments, Aliases, Rates, Dlq];

    /// <summary>Throws a <see cref="KafkaSetupException"/> naming the first bad key: empty, illegal characters, too long, or a duplicate.</summary>
    public void Validate()
    {
        Check(nameof(Usage), Usage);
        Check(nameof(Idle), Idle);
        Check(nameof(Fuel), Fuel);
        Check(nameof(Assignments), Assignments);
        Check(nameof(Aliases), Aliases);
        Check(nameof(Rates), Rates);
        Check(nameof(Dlq), Dlq);

        string[] keys = [nameof(Usage), nameof(Idle), nameof(Fuel), nameof(Assignments), nameof(Aliases), nameof(Rates), nameof(Dlq)];
        var all = All;
        for (var i = 1; i < all.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(all[i], all[j], StringComparison.Ordinal))
                {
                    throw KafkaSetupException.ForKey(
                        $"{Section}:{keys[i]}",
                        $"{Section}:{keys[i]} must differ from {Section}:{keys[j]} (both are '{all[i]}').");
                }
            }
        }
    }

    private static void Check(string property, string? value)
    {
        var key = $"{Section}:{property}";
        if (string.IsNullOrEmpty(value))
        {
            throw KafkaSetupException.ForKey(key, $"{key} must be a topic name, not empty.");
        }

        if (value.Length > MaxTopicLength || value is "." or "..")
        {
            throw KafkaSetupException.ForKey(key, $"{key} must be 1 to {MaxTopicLength} characters and not '.' or '..' (got '{value}').");
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw KafkaSetupException.ForKey(key, $"{key} may contain only ASCII letters, digits, '.', '_' and '-' (got '{value}').");
            }
        }
    }
}

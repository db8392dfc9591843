using System.Globalization;

namespace TelemetryPipeline.Generator;

/// <summary>Running counts of generated records by kind; <see cref="ToString"/> is the generate verb's final line.</summary>
public sealed class RecordCounts
{
    public long Total { get; private set; }

    public long Usage { get; private set; }

    public long Idle { get; private set; }

    public long Fuel { get; private set; }

    /// <summary>Assignment, alias and rate records.</summary>
    public long Master { get; private set; }

    public long Duplicates { get; private set; }

    public long Malformed { get; private set; }

    public long Late { get; private set; }

    public void Add(GeneratedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Total++;
        switch (record.Topic)
        {
            case GeneratedTopic.Usage:
                Usage++;
                break;
            case GeneratedTopic.Idle:
                Idle++;
                break;
            case GeneratedTopic.Fuel:
                Fuel++;
                break;
            default:
                Master++;
                break;
        }

        if (record.IsDuplicate)
        {
            Duplicates++;
        }

        if (record.ExpectedRejection is not null)
        {
            Malformed++;
        }

        if (record.IsLate)
        {
            Late++;
        }
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"generated {Total} records: usage={Usage} idle={Idle} fuel={Fuel} master={Master} duplicates={Duplicates} malformed={Malformed} late={Late}");
}

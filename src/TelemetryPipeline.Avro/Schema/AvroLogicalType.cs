namespace TelemetryPipeline.Avro.Schema;

/// <summary>
/// A valid logical type annotation on a schema. Invalid annotations are ignored (the schema reads as its
/// underlying type) and kept as plain properties, as the Avro specification requires.
/// </summary>
public sealed class AvroLogicalType
{
    private AvroLogicalType(LogicalTypeKind kind, string name, int precision, int scale)
    {
        Kind = kind;
        Name = name;
        Precision = precision;
        Scale = scale;
    }

    public LogicalTypeKind Kind { get; }

    /// <summary>The <c>logicalType</c> attribute, e.g. <c>timestamp-millis</c>.</summary>
    public string Name { get; }

    /// <summary>Decimal precision (digits); 0 for other logical types.</summary>
    public int Precision { get; }

    /// <summary>Decimal scale (digits after the point); 0 for other logical types.</summary>
    public int Scale { get; }

    public static AvroLogicalType Decimal(int precision, int scale) => new(LogicalTypeKind.Decimal, "decimal", precision, scale);

    public static AvroLogicalType Of(LogicalTypeKind kind) => kind switch
    {
        LogicalTypeKind.Decimal => throw new ArgumentException("Use AvroLogicalType.Decimal(precision, scale).", nameof(kind)),
        _ => new AvroLogicalType(kind, NameOf(kind), 0, 0),
    };

    internal static bool TryParseName(string name, out LogicalTypeKind kind)
    {
        switch (name)
        {
            case "decimal": kind = LogicalTypeKind.Decimal; return true;
            case "uuid": kind = LogicalTypeKind.Uuid; return true;
            case "date": kind = LogicalTypeKind.Date; return true;
            case "time-millis": kind = LogicalTypeKind.TimeMillis; return true;
            case "time-micros": kind = LogicalTypeKind.TimeMicros; return true;
            case "timestamp-millis": kind = LogicalTypeKind.TimestampMillis; return true;
            case "timestamp-micros": kind = LogicalTypeKind.TimestampMicros; return true;
            case "timestamp-nanos": kind = LogicalTypeKind.TimestampNanos; return true;
            case "local-timestamp-millis": kind = LogicalTypeKind.LocalTimestampMillis; return true;
            case "local-timestamp-micros": kind = LogicalTypeKind.LocalTimestampMicros; return true;
            case "local-timestamp-nanos": kind = LogicalTypeKind.LocalTimestampNanos; return true;
            case "duration": kind = LogicalTypeKind.Duration; return true;
            default: kind = default; return false;
        }
    }

    internal static string NameOf(LogicalTypeKind kind) => kind switch
    {
        LogicalTypeKind.Decimal => "decimal",
        LogicalTypeKind.Uuid => "uuid",
        LogicalTypeKind.Date => "date",
        LogicalTypeKind.TimeMillis => "time-millis",
        LogicalTypeKind.TimeMicros => "time-micros",
        LogicalTypeKind.TimestampMillis => "timestamp-millis",
        LogicalTypeKind.TimestampMicros => "timestamp-micros",
        LogicalTypeKind.TimestampNanos => "timestamp-nanos",
        LogicalTypeKind.LocalTimestampMillis => "local-timestamp-millis",
        LogicalTypeKind.LocalTimestampMicros => "local-timestamp-micros",
        LogicalTypeKind.LocalTimestampNanos => "local-timestamp-nanos",
        LogicalTypeKind.Duration => "duration",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Whether this logical type may annotate <paramref name="schema"/>'s underlying type.</summary>
    internal bool IsValidOn(AvroType type, int fixedSize) => Kind switch
    {
        LogicalTypeKind.Decimal => type == AvroType.Bytes
            ? Precision > 0 && Scale >= 0 && Scale <= Precision
            : type == AvroType.Fixed && Precision > 0 && Scale >= 0 && Scale <= Precision && Precision <= MaxDecimalPrecision(fixedSize),
        LogicalTypeKind.Uuid => type == AvroType.String || (type == AvroType.Fixed && fixedSize == 16),
        LogicalTypeKind.Date or LogicalTypeKind.TimeMillis => type == AvroType.Int,
        LogicalTypeKind.Duration => type == AvroType.Fixed && fixedSize == 12,
        _ => type == AvroType.Long,
    };

    /// <summary>floor(log10(2^(8n-1) - 1)): the most decimal digits a fixed of n bytes can hold.</summary>
    internal static int MaxDecimalPrecision(int size)
    {
        if (size <= 0)
        {
            return 0;
        }

        return (int)Math.Floor(Math.Log10(2) * ((8.0 * size) - 1));
    }

    public override string ToString() => Kind == LogicalTypeKind.Decimal ? $"decimal({Precision},{Scale})" : Name;
}

using System.Buffers.Binary;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>
/// Conversions between the underlying Avro value of a logical type and its .NET representation:
/// decimal ↔ <see cref="decimal"/>, uuid ↔ <see cref="Guid"/>, date ↔ <see cref="DateOnly"/>, time-* ↔
/// <see cref="TimeSpan"/>, timestamp-millis/micros ↔ UTC <see cref="DateTime"/>, local-timestamp-millis/micros ↔
/// unspecified-kind <see cref="DateTime"/>, duration ↔ <see cref="AvroDuration"/>. Nanosecond timestamps stay
/// <see cref="long"/> because <see cref="DateTime"/> cannot hold them losslessly.
/// </summary>
public static class LogicalValues
{
    private const long TicksPerMicrosecond = 10;
    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int s_epochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Days since 1970-01-01 → date; throws <see cref="AvroException"/> outside 0001-01-01..9999-12-31.</summary>
    public static DateOnly DateFromDays(int days)
    {
        var dayNumber = (long)s_epochDayNumber + days;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            throw new AvroException($"Date {days} days from the epoch is outside the range of System.DateOnly");
        }

        return DateOnly.FromDayNumber((int)dayNumber);
    }

    public static int DaysFromDate(DateOnly date) => date.DayNumber - s_epochDayNumber;

    /// <summary>Milliseconds since the epoch → UTC date-time; throws <see cref="AvroException"/> outside DateTime's range.</summary>
    public static DateTime TimestampFromMillis(long millis, DateTimeKind kind = DateTimeKind.Utc) =>
        FromTicksSinceEpoch(millis, TimeSpan.TicksPerMillisecond, kind);

    public static DateTime TimestampFromMicros(long micros, DateTimeKind kind = DateTimeKind.Utc) =>
        FromTicksSinceEpoch(micros, TicksPerMicrosecond, kind);

    /// <summary>Milliseconds since the epoch; local and UTC date-times are converted to UTC, unspecified ones taken as they are.</summary>
    public static long MillisFromTimestamp(DateTime value) => FloorDiv(TicksSinceEpoch(value, local: false), TimeSpan.TicksPerMillisecond);

    public static long MicrosFromTimestamp(DateTime value) => FloorDiv(TicksSinceEpoch(value, local: false), TicksPerMicrosecond);

    /// <summary>Converts an underlying datum read from the wire to the .NET value of <paramref name="schema"/>'s logical type.</summary>
    internal static object? FromUnderlying(AvroSchema schema, object? value)
    {
        var logical = schema.LogicalType;
        if (logical is null || value is null)
        {
            return value;
        }

        switch (logical.Kind)
        {
            case LogicalTypeKind.Decimal:
                return value switch
                {
                    byte[] bytes => AvroDecimal.ToDecimal(bytes, logical.Scale),
                    GenericFixed f => AvroDecimal.ToDecimal(f.Value, logical.Scale),
                    _ => value,
                };
            case LogicalTypeKind.Uuid:
                return value switch
                {
                    string s => Guid.TryParse(s, out var guid) ? guid : throw new AvroException($"'{Abbreviate(s)}' is not a valid uuid"),
                    GenericFixed f => GuidFromBigEndian(f.Value),
                    _ => value,
                };
            case LogicalTypeKind.Date:
                return value is int days ? DateFromDays(days) : value;
            case LogicalTypeKind.TimeMillis:
                return value is int ms ? TimeSpan.FromMilliseconds(ms) : value;
            case LogicalTypeKind.TimeMicros:
                return value is long us ? TimeOfDayFromMicros(us) : value;
            case LogicalTypeKind.TimestampMillis:
                return value is long tms ? TimestampFromMillis(tms) : value;
            case LogicalTypeKind.TimestampMicros:
                return value is long tus ? TimestampFromMicros(tus) : value;
            case LogicalTypeKind.LocalTimestampMillis:
                return value is long lms ? TimestampFromMillis(lms, DateTimeKind.Unspecified) : value;
            case LogicalTypeKind.LocalTimestampMicros:
                return value is long lus ? TimestampFromMicros(lus, DateTimeKind.Unspecified) : value;
            case LogicalTypeKind.Duration:
                return value is GenericFixed d && d.Value.Length == 12
                    ? new AvroDuration(
                        BinaryPrimitives.ReadUInt32LittleEndian(d.Value),
                        BinaryPrimitives.ReadUInt32LittleEndian(d.Value.AsSpan(4)),
                        BinaryPrimitives.ReadUInt32LittleEndian(d.Value.AsSpan(8)))
                    : value;
            default:
                return value;
        }
    }

    /// <summary>
    /// Converts a .NET logical value to the underlying datum of <paramref name="schema"/>; values that already have the
    /// underlying type pass through.
    /// </summary>
    internal static object? ToUnderlying(AvroSchema schema, object? value)
    {
        var logical = schema.LogicalType;
        if (logical is null || value is null)
        {
            return value;
        }

        switch (logical.Kind)
        {
            case LogicalTypeKind.Decimal when value is decimal d:
                return schema is FixedSchema fixedSchema
                    ? AvroDecimal.ToFixedBytes(d, logical.Scale, fixedSchema.Size, logical.Precision)
                    : AvroDecimal.ToBytes(d, logical.Scale, logical.Precision);
            case LogicalTypeKind.Uuid when value is Guid g:
                return schema.Type == AvroType.String ? g.ToString("D") : GuidToBigEndian(g);
            case LogicalTypeKind.Date when value is DateOnly date:
                return DaysFromDate(date);
            case LogicalTypeKind.Date when value is DateTime dt:
                return DaysFromDate(DateOnly.FromDateTime(dt));
            case LogicalTypeKind.TimeMillis when value is TimeSpan ts:
                return checked((int)(ts.Ticks / TimeSpan.TicksPerMillisecond));
            case LogicalTypeKind.TimeMillis when value is TimeOnly t:
                return (int)(t.Ticks / TimeSpan.TicksPerMillisecond);
            case LogicalTypeKind.TimeMicros when value is TimeSpan ts:
                return ts.Ticks / TicksPerMicrosecond;
            case LogicalTypeKind.TimeMicros when value is TimeOnly t:
                return t.Ticks / TicksPerMicrosecond;
            case LogicalTypeKind.TimestampMillis when value is DateTime dt:
                return FloorDiv(TicksSinceEpoch(dt, local: false), TimeSpan.TicksPerMillisecond);
            case LogicalTypeKind.TimestampMillis when value is DateTimeOffset dto:
                return dto.ToUnixTimeMilliseconds();
            case LogicalTypeKind.TimestampMicros when value is DateTime dt:
                return FloorDiv(TicksSinceEpoch(dt, local: false), TicksPerMicrosecond);
            case LogicalTypeKind.TimestampMicros when value is DateTimeOffset dto:
                return FloorDiv(dto.UtcTicks - s_epochTicks, TicksPerMicrosecond);
            case LogicalTypeKind.LocalTimestampMillis when value is DateTime dt:
                return FloorDiv(TicksSinceEpoch(dt, local: true), TimeSpan.TicksPerMillisecond);
            case LogicalTypeKind.LocalTimestampMicros when value is DateTime dt:
                return FloorDiv(TicksSinceEpoch(dt, local: true), TicksPerMicrosecond);
            case LogicalTypeKind.Duration when value is AvroDuration duration && schema is FixedSchema durationSchema:
                var bytes = new byte[12];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, duration.Months);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), duration.Days);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), duration.Milliseconds);
                return new GenericFixed(durationSchema, bytes);
            case LogicalTypeKind.Uuid when value is Guid g2 && schema is FixedSchema uuidSchema:
                return new GenericFixed(uuidSchema, GuidToBigEndian(g2));
            default:
                return value;
        }
    }

    /// <summary>Whether <paramref name="value"/> is the .NET representation of <paramref name="schema"/>'s logical type.</summary>
    internal static bool IsLogicalValue(AvroSchema schema, object value) => schema.LogicalType?.Kind switch
    {
        LogicalTypeKind.Decimal => value is decimal,
        LogicalTypeKind.Uuid => value is Guid,
        LogicalTypeKind.Date => value is DateOnly,
        LogicalTypeKind.TimeMillis or LogicalTypeKind.TimeMicros => value is TimeSpan or TimeOnly,
        LogicalTypeKind.TimestampMillis or LogicalTypeKind.TimestampMicros => value is DateTime or DateTimeOffset,
        LogicalTypeKind.LocalTimestampMillis or LogicalTypeKind.LocalTimestampMicros => value is DateTime,
        LogicalTypeKind.Duration => value is AvroDuration,
        _ => false,
    };

    private static TimeSpan TimeOfDayFromMicros(long micros)
    {
        if (micros > TimeSpan.MaxValue.Ticks / TicksPerMicrosecond || micros < TimeSpan.MinValue.Ticks / TicksPerMicrosecond)
        {
            throw new AvroException($"time-micros value {micros} is outside the range of System.TimeSpan");
        }

        return TimeSpan.FromTicks(micros * TicksPerMicrosecond);
    }

    private static DateTime FromTicksSinceEpoch(long units, long ticksPerUnit, DateTimeKind kind)
    {
        var maxUnits = (DateTime.MaxValue.Ticks - s_epochTicks) / ticksPerUnit;
        var minUnits = -s_epochTicks / ticksPerUnit;
        if (units > maxUnits || units < minUnits)
        {
            throw new AvroException($"Timestamp {units} is outside the range of System.DateTime (years 1 to 9999)");
        }

        return new DateTime(s_epochTicks + (units * ticksPerUnit), kind);
    }

    private static long FloorDiv(long a, long b) => Math.DivRem(a, b) is var (q, r) && r < 0 ? q - 1 : q;

    private static long TicksSinceEpoch(DateTime value, bool local)
    {
        if (!local && value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        return value.Ticks - s_epochTicks;
    }

    /// <summary>RFC 4122 byte order (big-endian), as the uuid-on-fixed logical type stores it.</summary>
    private static Guid GuidFromBigEndian(ReadOnlySpan<byte> bytes) => new(bytes, bigEndian: true);

    private static byte[] GuidToBigEndian(Guid guid)
    {
        var bytes = new byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes;
    }

    private static string Abbreviate(string s) => s.Length <= 40 ? s : string.Concat(s.AsSpan(0, 37), "...");
}

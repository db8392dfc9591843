namespace TelemetryPipeline.Avro;

/// <summary>
/// Any Avro codec error: an invalid schema, bytes that do not decode under a schema, a datum that does not fit
/// its schema, or a writer/reader pair that cannot be resolved. <see cref="Offset"/> is the byte offset in the
/// decoded input when the error concerns input bytes, otherwise -1.
/// </summary>
public sealed class AvroException : Exception
{
    public AvroException()
        : this("Avro error.")
    {
    }

    public AvroException(string message)
        : this(message, -1, null, null)
    {
    }

    public AvroException(string message, Exception? innerException)
        : this(message, -1, null, innerException)
    {
    }

    public AvroException(string message, long offset, string? fieldPath = null, Exception? innerException = null)
        : base(Compose(message, offset, fieldPath), innerException)
    {
        Reason = message;
        Offset = offset;
        FieldPath = fieldPath;
    }

    /// <summary>The error without the offset and field path decorations.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the input where decoding failed, or -1 when not about input bytes.</summary>
    public long Offset { get; }

    /// <summary>Dotted path of the record field being decoded or encoded when the error happened, if known.</summary>
    public string? FieldPath { get; }

    internal AvroException WithOuterField(string fieldName)
    {
        var path = FieldPath is null ? fieldName : string.Concat(fieldName, ".", FieldPath);
        return new AvroException(Reason, Offset, path, InnerException);
    }

    private static string Compose(string message, long offset, string? fieldPath)
    {
        if (offset < 0 && fieldPath is null)
        {
            return message;
        }

        var text = message.TrimEnd('.');
        if (fieldPath is not null)
        {
            text = string.Concat(text, " (field '", fieldPath, "')");
        }

        if (offset >= 0)
        {
            text = string.Concat(text, " at byte offset ", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return text + ".";
    }
}

namespace TelemetryPipeline.Avro.Container;

/// <summary>Block compression codecs of Avro object container files.</summary>
public enum AvroCodec : byte
{
    /// <summary>Blocks stored as they are (<c>null</c>).</summary>
    Null,

    /// <summary>Raw RFC 1951 deflate (<c>deflate</c>).</summary>
    Deflate,
}

/// <summary>Constants of the object container file format.</summary>
public static class AvroContainer
{
    public const string SchemaKey = "avro.schema";
    public const string CodecKey = "avro.codec";
    public const int SyncSize = 16;

    /// <summary>The magic bytes every container file starts with: <c>Obj</c> and version 1.</summary>
    public static ReadOnlySpan<byte> Magic => "Obj\u0001"u8;

    internal static string CodecName(AvroCodec codec) => codec switch
    {
        AvroCodec.Null => "null",
        AvroCodec.Deflate => "deflate",
        _ => throw new ArgumentOutOfRangeException(nameof(codec)),
    };

    internal static bool TryParseCodec(string name, out AvroCodec codec)
    {
        switch (name)
        {
            case "null":
                codec = AvroCodec.Null;
                return true;
            case "deflate":
                codec = AvroCodec.Deflate;
                return true;
            default:
                codec = default;
                return false;
        }
    }
}

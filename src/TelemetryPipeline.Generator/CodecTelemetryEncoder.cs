using TelemetryPipeline.Domain;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Generator;

/// <summary>The scenario's encodings through the pipeline's own Avro codec, with the generator's schema ids.</summary>
public sealed class CodecTelemetryEncoder : ITelemetryEncoder
{
    private readonly TelemetryCodec _codec;

    /// <param name="codec">A codec whose Confluent ids include <see cref="GeneratorSchemaIds.Map"/>; by default one built from it.</param>
    public CodecTelemetryEncoder(TelemetryCodec? codec = null) => _codec = codec ?? TelemetryCodec.CreateDefault(GeneratorSchemaIds.Map);

    public TelemetryCodec Codec => _codec;

    public byte[] EncodeSingleObject(object record) => _codec.EncodeSingleObject(record);

    public byte[] EncodeConfluent(int schemaId, object record) => _codec.EncodeConfluent(schemaId, record);

    public byte[] EncodeUsageV1SingleObject(EquipmentUsage usage) => _codec.EncodeUsageV1SingleObject(usage);

    /// <summary>The codec writes with the schema mapped to the id, so id 7 gives the v1 body.</summary>
    public byte[] EncodeUsageV1Confluent(int schemaId, EquipmentUsage usage) => _codec.EncodeConfluent(schemaId, usage);
}

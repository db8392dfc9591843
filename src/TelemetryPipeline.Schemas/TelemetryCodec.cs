using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TelemetryPipeline.Avro;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas;

/// <summary>
/// Decodes and encodes the pipeline's Avro records (single-object encoding and the Confluent wire format) to and from
/// the Domain records. Every known writer schema (current versions and older ones such as <c>EquipmentUsage.v1</c>)
/// is resolved once against the current version of its record, so older producers' data decodes into the current
/// type with defaults. Immutable after creation and safe to share between threads. Decoding never throws for bad
/// bytes: it returns a <see cref="Rejection"/>.
/// </summary>
public sealed partial class TelemetryCodec
{
    private static readonly AvroReaderOptions s_rawOptions = new() { ConvertLogicalTypes = false };
    private readonly Dictionary<ulong, WriterEntry> _byFingerprint;
    private readonly Dictionary<int, WriterEntry> _byConfluentId;
    private readonly Dictionary<string, WriterEntry> _byName;
    private readonly Dictionary<string, RecordSchema> _currentByRecordName;

    private TelemetryCodec(IReadOnlyDictionary<string, RecordSchema> schemas, IReadOnlyDictionary<int, string> confluentSchemaIds)
    {
        _currentByRecordName = new Dictionary<string, RecordSchema>(StringComparer.Ordinal);
        foreach (var (name, schema) in schemas)
        {
            if (TelemetrySchemas.IsCurrentVersion(name))
            {
                _currentByRecordName[schema.Name] = schema;
            }
        }

        _byName = new Dictionary<string, WriterEntry>(StringComparer.Ordinal);
        _byFingerprint = [];
        foreach (var (name, schema) in schemas)
        {
            if (!_currentByRecordName.TryGetValue(schema.Name, out var reader))
            {
                throw new InvalidOperationException($"Schema {name} has no current version ({schema.Name}.avsc).");
            }

            var entry = new WriterEntry(name, schema, reader, SchemaResolver.Resolve(schema, reader), IsTelemetry(schema.Name));
            _byName[name] = entry;
            if (!_byFingerprint.TryAdd(schema.Fingerprint, entry))
            {
                throw new InvalidOperationException($"Schemas {name} and {_byFingerprint[schema.Fingerprint].Name} have the same fingerprint.");
            }
        }

        _byConfluentId = [];
        foreach (var (id, name) in confluentSchemaIds)
        {
            _byConfluentId[id] = _byName.TryGetValue(name, out var entry)
                ? entry
                : throw new ArgumentException($"Confluent schema id {id} maps to '{name}', which is not a known schema; known: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}.", nameof(confluentSchemaIds));
        }

        InitializeFastPaths();
    }

    /// <summary>
    /// A codec over the embedded <c>schemas/*.avsc</c>. <paramref name="confluentSchemaIds"/> maps Confluent schema ids
    /// to schema names without extension, e.g. <c>7 → "EquipmentUsage.v1"</c>; throws <see cref="ArgumentException"/> for unknown names.
    /// </summary>
    public static TelemetryCodec CreateDefault(IReadOnlyDictionary<int, string>? confluentSchemaIds = null) =>
        new(TelemetrySchemas.All, confluentSchemaIds ?? new Dictionary<int, string>());

    /// <summary>Schema names (without extension) this codec knows, with their fingerprints.</summary>
    public IReadOnlyDictionary<string, ulong> Fingerprints
    {
        get
        {
            var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var (name, entry) in _byName)
            {
                result[name] = entry.Writer.Fingerprint;
            }

            return result;
        }
    }

    /// <summary>The current (reader) schema of a record name such as <c>EquipmentUsage</c>.</summary>
    public RecordSchema GetCurrentSchema(string recordName) =>
        _currentByRecordName.TryGetValue(recordName, out var schema) ? schema : throw new ArgumentException($"No record named '{recordName}'.", nameof(recordName));

    /// <summary>Decodes a usage, idle or fuel record. Never throws for bad bytes: returns false with a rejection (<c>undecodable</c> or <c>unknown_schema</c>).</summary>
    public bool TryDecodeTelemetry(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TelemetryEvent? value, out Rejection rejection)
    {
        value = null;
        if (!TryResolveWriter(payload, out var entry, out var frame, out rejection))
        {
            return false;
        }

        if (!entry.IsTelemetry)
        {
            rejection = new Rejection(RejectionReasons.UnknownSchema, $"The payload is a {entry.Writer.FullName} (schema {entry.Name}), a master-data record, not a usage, idle or fuel record; check the topic it was produced to.");
            return false;
        }

        if (entry.UsageFastPath is { } fast)
        {
            if (fast.TryDecode(payload, frame.DatumOffset, out var usage, out var error, out var offset))
            {
                value = usage;
                return true;
            }

            rejection = Undecodable(entry, frame, error, offset);
            return false;
        }

        if (!TryDecodeGeneric(payload, entry, frame, out var decoded, out rejection))
        {
            return false;
        }

        value = (TelemetryEvent)decoded;
        return true;
    }

    /// <summary>Decodes an <see cref="EquipmentAssignment"/>, <see cref="EquipmentRate"/> or <see cref="EquipmentAlias"/>. Never throws for bad bytes.</summary>
    public bool TryDecodeMasterData(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out object? value, out Rejection rejection)
    {
        value = null;
        if (!TryResolveWriter(payload, out var entry, out var frame, out rejection))
        {
            return false;
        }

        if (entry.IsTelemetry)
        {
            rejection = new Rejection(RejectionReasons.UnknownSchema, $"The payload is a {entry.Writer.FullName} (schema {entry.Name}), a telemetry record, not an assignment, rate or alias; check the topic it was produced to.");
            return false;
        }

        return TryDecodeGeneric(payload, entry, frame, out value, out rejection);
    }

    /// <summary>Decodes any of the six records (telemetry or master data). Never throws for bad bytes.</summary>
    public bool TryDecode(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out object? value, out Rejection rejection)
    {
        value = null;
        return TryResolveWriter(payload, out var entry, out var frame, out rejection)
            && TryDecodeGeneric(payload, entry, frame, out value, out rejection);
    }

    /// <summary>Decodes through the generic datum path even where a fast path exists (for comparison and benchmarks).</summary>
    public bool TryDecodeGeneric(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out object? value, out Rejection rejection) =>
        TryDecode(payload, out value, out rejection);

    /// <summary>Single-object encoding of any of the six Domain records with the current schema version.</summary>
    public byte[] EncodeSingleObject(object record)
    {
        var schema = GetCurrentSchema(DomainRecordMapper.RecordNameOf(record));
        return AvroSingleObject.Encode(DomainRecordMapper.ToGeneric(record, schema), schema);
    }

    /// <summary>Confluent wire format with the schema mapped to <paramref name="schemaId"/>; the record must be of that schema's record type.</summary>
    public byte[] EncodeConfluent(int schemaId, object record)
    {
        if (!_byConfluentId.TryGetValue(schemaId, out var entry))
        {
            throw new ArgumentException($"Confluent schema id {schemaId} is not configured; configured: {string.Join(", ", _byConfluentId.Keys.Order())}.", nameof(schemaId));
        }

        var recordName = DomainRecordMapper.RecordNameOf(record);
        if (entry.Writer.Name != recordName)
        {
            throw new ArgumentException($"Confluent schema id {schemaId} is {entry.Name}; it cannot encode a {recordName}.", nameof(record));
        }

        return AvroSingleObject.EncodeConfluent(DomainRecordMapper.ToGeneric(record, entry.Writer), entry.Writer, schemaId);
    }

    /// <summary>
    /// Single-object encoding with <c>EquipmentUsage.v1.avsc</c>, as older field units send it: there is no
    /// <c>distanceKm</c> in v1, so <see cref="EquipmentUsage.DistanceKm"/> is not written.
    /// </summary>
    public byte[] EncodeUsageV1SingleObject(EquipmentUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var schema = _byName[TelemetrySchemas.EquipmentUsageV1].Writer;
        return AvroSingleObject.Encode(DomainRecordMapper.ToGeneric(usage, schema), schema);
    }

    private bool TryResolveWriter(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out WriterEntry? entry, out AvroFrame frame, out Rejection rejection)
    {
        entry = null;
        rejection = default;
        if (!AvroFraming.TryReadFrame(payload, out frame, out var error))
        {
            rejection = new Rejection(RejectionReasons.Undecodable, Capitalize(error!) + ".");
            return false;
        }

        if (frame.Kind == AvroFrameKind.SingleObject)
        {
            if (_byFingerprint.TryGetValue(frame.Fingerprint, out entry))
            {
                return true;
            }

            rejection = new Rejection(RejectionReasons.UnknownSchema,
                $"Single-object fingerprint 0x{frame.Fingerprint:X16} (bytes 2-9) matches none of the {_byFingerprint.Count} known schemas ({string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}); the producer uses a schema this pipeline does not have.");
            return false;
        }

        if (_byConfluentId.TryGetValue(frame.SchemaId, out entry))
        {
            return true;
        }

        rejection = new Rejection(RejectionReasons.UnknownSchema,
            _byConfluentId.Count == 0
                ? $"Confluent schema id {frame.SchemaId} (bytes 1-4) is not configured: no Confluent schema ids are configured."
                : $"Confluent schema id {frame.SchemaId} (bytes 1-4) is not configured; configured ids: {string.Join(", ", _byConfluentId.Keys.Order())}.");
        return false;
    }

    private static bool TryDecodeGeneric(ReadOnlySpan<byte> payload, WriterEntry entry, AvroFrame frame, [NotNullWhen(true)] out object? value, out Rejection rejection)
    {
        value = null;
        try
        {
            var reader = new AvroReader(payload, frame.DatumOffset);
            var record = (GenericRecord)entry.GenericReader.Read(ref reader)!;
            if (!reader.End)
            {
                rejection = Undecodable(entry, frame, $"{reader.Remaining} unexpected bytes after the end of the record", reader.Position);
                return false;
            }

            value = DomainRecordMapper.ToDomain(record);
            rejection = default;
            return true;
        }
        catch (AvroException ex)
        {
            rejection = Undecodable(entry, frame, ex.FieldPath is null ? ex.Reason : $"{ex.Reason.TrimEnd('.')} (field '{ex.FieldPath}')", ex.Offset);
            return false;
        }
    }

    private static Rejection Undecodable(WriterEntry entry, AvroFrame frame, string error, long offset)
    {
        var framing = frame.Kind == AvroFrameKind.SingleObject ? "single-object" : $"Confluent id {frame.SchemaId.ToString(CultureInfo.InvariantCulture)}";
        var where = offset >= 0 ? $" at byte offset {offset.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
        return new Rejection(RejectionReasons.Undecodable,
            $"{entry.Writer.Name} payload ({framing}, writer schema {entry.Name}) does not decode: {Decapitalize(error.TrimEnd('.'))}{where}; the bytes are truncated, corrupt or written with a different schema than their header claims.");
    }

    private static bool IsTelemetry(string recordName) =>
        recordName is TelemetrySchemas.EquipmentUsage or TelemetrySchemas.EquipmentIdle or TelemetrySchemas.FuelEvent;

    private static string Decapitalize(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? string.Concat(char.ToLowerInvariant(text[0]).ToString(), text.AsSpan(1)) : text;

    private static string Capitalize(string text) => text.Length == 0 ? text : string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1));

    private sealed class WriterEntry
    {
        public WriterEntry(string name, RecordSchema writer, RecordSchema reader, ReadPlan plan, bool isTelemetry)
        {
            Name = name;
            Writer = writer;
            Reader = reader;
            Plan = plan;
            IsTelemetry = isTelemetry;
            GenericReader = new GenericDatumReader(plan, s_rawOptions);
        }

        public string Name { get; }

        public RecordSchema Writer { get; }

        public RecordSchema Reader { get; }

        public ReadPlan Plan { get; }

        public bool IsTelemetry { get; }

        public GenericDatumReader GenericReader { get; }

        public EquipmentUsageDecoder? UsageFastPath { get; set; }
    }
}

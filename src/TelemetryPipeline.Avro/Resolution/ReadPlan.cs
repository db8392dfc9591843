using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Resolution;

/// <summary>What a <see cref="ReadPlan"/> reads from the writer's bytes.</summary>
public enum ReadPlanKind : byte
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record,
    Enum,
    Array,
    Map,
    Fixed,

    /// <summary>The writer wrote a union: read the branch index, then that branch's plan.</summary>
    WriterUnion,

    /// <summary>The writer wrote one type, the reader expects a union: read <see cref="ReadPlan.Inner"/> into branch <see cref="ReadPlan.ReaderBranch"/>.</summary>
    ReaderUnion,

    /// <summary>Data the reader cannot accept (a writer union branch or enum symbol with no match): reading it is an error.</summary>
    Error,
}

/// <summary>
/// A compiled reading plan for one writer/reader schema pair (Avro schema resolution): what to read from the
/// writer's bytes and how it becomes a value of the reader's schema. Built once by <see cref="SchemaResolver"/>,
/// immutable and shared between threads; decoders walk it for every datum.
/// </summary>
public sealed class ReadPlan
{
    internal ReadPlan(ReadPlanKind kind, AvroSchema writer, AvroSchema reader)
    {
        Kind = kind;
        Writer = writer;
        Reader = reader;
    }

    public ReadPlanKind Kind { get; }

    public AvroSchema Writer { get; }

    /// <summary>The reader schema the value is produced for (for <see cref="ReadPlanKind.ReaderUnion"/>, the whole union).</summary>
    public AvroSchema Reader { get; }

    /// <summary>Record: one step per writer field, in writer order.</summary>
    public IReadOnlyList<FieldStep> Fields { get; internal set; } = [];

    /// <summary>Record: reader fields the writer does not have, filled from their defaults.</summary>
    public IReadOnlyList<FieldDefault> Defaults { get; internal set; } = [];

    /// <summary>Enum: writer symbol index → reader symbol index, -1 when the reader cannot accept the symbol.</summary>
    public IReadOnlyList<int> EnumMap { get; internal set; } = [];

    /// <summary>Enum: the reader's enum values by reader index (shared, immutable).</summary>
    internal GenericEnum[] EnumValues { get; set; } = [];

    /// <summary>Array items or map values.</summary>
    public ReadPlan? Items { get; internal set; }

    /// <summary>Writer union: the plan for each writer branch.</summary>
    public IReadOnlyList<ReadPlan> Branches { get; internal set; } = [];

    /// <summary>Reader union: the plan of the writer's value against the chosen reader branch.</summary>
    public ReadPlan? Inner { get; internal set; }

    /// <summary>Reader union: the index of the chosen reader branch; writer union with a union reader: -1.</summary>
    public int ReaderBranch { get; internal set; } = -1;

    /// <summary>Error: why the data cannot be read.</summary>
    public string? Error { get; internal set; }

    internal ReadPlan[] BranchArray { get; set; } = [];

    internal FieldStep[] FieldArray { get; set; } = [];

    internal FieldDefault[] DefaultArray { get; set; } = [];

    internal int[] EnumMapArray { get; set; } = [];

    public override string ToString() => $"{Kind}: {Writer.DisplayName} -> {Reader.DisplayName}";
}

/// <summary>One writer field of a record plan: read it into reader field <see cref="ReaderIndex"/>, or skip it when -1.</summary>
public sealed class FieldStep
{
    internal FieldStep(Field writerField, Field? readerField, ReadPlan? plan)
    {
        WriterField = writerField;
        ReaderField = readerField;
        Plan = plan;
    }

    public Field WriterField { get; }

    public Field? ReaderField { get; }

    /// <summary>Reader field position, or -1 when the writer's field is skipped.</summary>
    public int ReaderIndex => ReaderField?.Position ?? -1;

    /// <summary>The plan for the value, null when skipped.</summary>
    public ReadPlan? Plan { get; }
}

/// <summary>A reader field missing from the writer: filled with its default value (a generic datum).</summary>
public sealed class FieldDefault
{
    internal FieldDefault(Field readerField, object? value, object? rawValue)
    {
        ReaderField = readerField;
        Value = value;
        RawValue = rawValue;
    }

    public Field ReaderField { get; }

    /// <summary>The default as a generic datum of the reader field's schema (do not mutate; copy it).</summary>
    public object? Value { get; }

    /// <summary>The default with logical types left as their underlying values (long timestamps, decimal bytes, ...).</summary>
    public object? RawValue { get; }
}

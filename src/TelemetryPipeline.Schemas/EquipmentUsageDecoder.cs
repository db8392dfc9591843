using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using TelemetryPipeline.Avro;
using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas;

/// <summary>
/// Decodes EquipmentUsage straight from the payload span into the Domain record, following a writer→reader
/// <see cref="ReadPlan"/> compiled once: no generic records, no boxing; strings that repeat across events
/// (source, identifiers, site and project codes) come from a small cache instead of new allocations. Returns false
/// with the reason and byte offset instead of throwing. Thread-safe.
/// </summary>
internal sealed class EquipmentUsageDecoder
{
    private readonly Op[] _ops;
    private readonly Initial _initial;
    private readonly Utf8StringCache _strings = new();

    private EquipmentUsageDecoder(Op[] ops, Initial initial)
    {
        _ops = ops;
        _initial = initial;
    }

    private enum Target : byte
    {
        Skip,
        EventId,
        Source,
        Equipment,
        EventTime,
        SiteId,
        ProjectCode,
        CostCode,
        IntervalStart,
        OperatingHours,
        CumulativeOperatingHours,
        DistanceKm,
    }

    /// <summary>The fast path for a resolved EquipmentUsage plan, or null when the plan has a shape it does not handle (the generic path then applies).</summary>
    public static EquipmentUsageDecoder? TryCompile(ReadPlan plan)
    {
        if (plan.Kind != ReadPlanKind.Record || plan.Reader is not RecordSchema { Name: TelemetrySchemas.EquipmentUsage })
        {
            return null;
        }

        var ops = new Op[plan.Fields.Count];
        for (var i = 0; i < ops.Length; i++)
        {
            var step = plan.Fields[i];
            if (step.Plan is null)
            {
                ops[i] = new Op(Target.Skip, step.WriterField.Name, null, step.WriterField.Schema, null);
                continue;
            }

            var target = TargetOf(step.ReaderField!.Name);
            if (target is null || !Supports(target.Value, step.Plan))
            {
                return null;
            }

            ops[i] = new Op(target.Value, step.ReaderField.Name, step.Plan, null, target == Target.Equipment ? CompileRef(step.Plan) : null);
            if (target == Target.Equipment && ops[i].Ref is null)
            {
                return null;
            }
        }

        var initial = new Initial();
        foreach (var d in plan.Defaults)
        {
            switch (TargetOf(d.ReaderField.Name))
            {
                case Target.SiteId: initial.SiteId = d.RawValue as string; break;
                case Target.ProjectCode: initial.ProjectCode = d.RawValue as string; break;
                case Target.CostCode: initial.CostCode = d.RawValue as string; break;
                case Target.IntervalStart: initial.IntervalStart = d.RawValue as long?; break;
                case Target.OperatingHours: initial.OperatingHours = d.RawValue as double?; break;
                case Target.CumulativeOperatingHours: initial.CumulativeOperatingHours = d.RawValue as double?; break;
                case Target.DistanceKm: initial.DistanceKm = d.RawValue as double?; break;
                default:
                    // Required fields (ids, source, equipment, time) have no defaults in the schema; a default there is unexpected.
                    return null;
            }
        }

        return new EquipmentUsageDecoder(ops, initial);
    }

    /// <summary>Decodes the datum starting at <paramref name="offset"/>, which must end exactly at the end of <paramref name="payload"/>.</summary>
    public bool TryDecode(ReadOnlySpan<byte> payload, int offset, [NotNullWhen(true)] out EquipmentUsage? usage, out string error, out long errorOffset)
    {
        usage = null;
        var r = new AvroReader(payload, offset);
        string? eventId = null, source = null, scheme = null, value = null;
        long eventTime = 0;
        var hasEventTime = false;
        var siteId = _initial.SiteId;
        var projectCode = _initial.ProjectCode;
        var costCode = _initial.CostCode;
        var intervalStart = _initial.IntervalStart;
        var operatingHours = _initial.OperatingHours;
        var cumulative = _initial.CumulativeOperatingHours;
        var distance = _initial.DistanceKm;

        foreach (var op in _ops)
        {
            var start = r.Position;
            bool ok;
            string? reason = null;
            switch (op.Target)
            {
                case Target.Skip:
                    ok = TrySkip(ref r, op.SkipSchema!, out reason);
                    break;
                case Target.EventId:
                    ok = TryReadString(ref r, op.Plan!, cache: false, out eventId, out reason) && NotNull(eventId, ref reason);
                    break;
                case Target.Source:
                    ok = TryReadString(ref r, op.Plan!, cache: true, out source, out reason) && NotNull(source, ref reason);
                    break;
                case Target.Equipment:
                    ok = TryReadRef(ref r, op.Ref!, out scheme, out value, out reason);
                    break;
                case Target.EventTime:
                    ok = TryReadLong(ref r, op.Plan!, out var t, out reason) && NotNull(t, ref reason);
                    eventTime = t.GetValueOrDefault();
                    hasEventTime = ok;
                    break;
                case Target.SiteId:
                    ok = TryReadString(ref r, op.Plan!, cache: true, out siteId, out reason);
                    break;
                case Target.ProjectCode:
                    ok = TryReadString(ref r, op.Plan!, cache: true, out projectCode, out reason);
                    break;
                case Target.CostCode:
                    ok = TryReadString(ref r, op.Plan!, cache: true, out costCode, out reason);
                    break;
                case Target.IntervalStart:
                    ok = TryReadLong(ref r, op.Plan!, out intervalStart, out reason);
                    break;
                case Target.OperatingHours:
                    ok = TryReadDouble(ref r, op.Plan!, out operatingHours, out reason);
                    break;
                case Target.CumulativeOperatingHours:
                    ok = TryReadDouble(ref r, op.Plan!, out cumulative, out reason);
                    break;
                default:
                    ok = TryReadDouble(ref r, op.Plan!, out distance, out reason);
                    break;
            }

            if (!ok)
            {
                error = $"{reason ?? "malformed value"} (field '{op.Name}')";
                errorOffset = reason is null ? start : Math.Max(start, r.Position);
                return false;
            }
        }

        if (!r.End)
        {
            error = $"{r.Remaining} unexpected bytes after the end of the record";
            errorOffset = r.Position;
            return false;
        }

        if (eventId is null || source is null || scheme is null || value is null || !hasEventTime)
        {
            // Only reachable with a writer that lacks required fields, which resolution already refuses.
            error = "required fields missing";
            errorOffset = offset;
            return false;
        }

        usage = new EquipmentUsage
        {
            EventId = eventId,
            Source = source,
            Equipment = new EquipmentRef(scheme, value),
            EventTimeMs = eventTime,
            SiteId = siteId,
            ProjectCode = projectCode,
            CostCode = costCode,
            IntervalStartMs = intervalStart,
            OperatingHours = operatingHours,
            CumulativeOperatingHours = cumulative,
            DistanceKm = distance,
        };
        error = string.Empty;
        errorOffset = -1;
        return true;
    }

    private static Target? TargetOf(string readerField) => readerField switch
    {
        "eventId" => Target.EventId,
        "source" => Target.Source,
        "equipmentRef" => Target.Equipment,
        "eventTime" => Target.EventTime,
        "siteId" => Target.SiteId,
        "projectCode" => Target.ProjectCode,
        "costCode" => Target.CostCode,
        "intervalStart" => Target.IntervalStart,
        "operatingHours" => Target.OperatingHours,
        "cumulativeOperatingHours" => Target.CumulativeOperatingHours,
        "distanceKm" => Target.DistanceKm,
        _ => null,
    };

    /// <summary>Whether every leaf the plan can produce is of the kind the target needs (string, long or double), through unions.</summary>
    private static bool Supports(Target target, ReadPlan plan)
    {
        switch (plan.Kind)
        {
            case ReadPlanKind.Null:
            case ReadPlanKind.Error:
                return true;
            case ReadPlanKind.ReaderUnion:
                return Supports(target, plan.Inner!);
            case ReadPlanKind.WriterUnion:
                foreach (var branch in plan.Branches)
                {
                    if (!Supports(target, branch))
                    {
                        return false;
                    }
                }

                return true;
        }

        return target switch
        {
            Target.Equipment => plan.Kind == ReadPlanKind.Record,
            Target.EventTime or Target.IntervalStart => plan.Reader.Type == AvroType.Long && plan.Kind is ReadPlanKind.Long or ReadPlanKind.Int,
            Target.OperatingHours or Target.CumulativeOperatingHours or Target.DistanceKm =>
                plan.Reader.Type == AvroType.Double && plan.Kind is ReadPlanKind.Double or ReadPlanKind.Float or ReadPlanKind.Long or ReadPlanKind.Int,
            _ => plan.Reader.Type == AvroType.String && plan.Reader.LogicalType is null && plan.Kind is ReadPlanKind.String or ReadPlanKind.Bytes,
        };
    }

    private static RefPlan? CompileRef(ReadPlan plan)
    {
        if (plan.Kind != ReadPlanKind.Record)
        {
            return null;
        }

        var steps = new RefStep[plan.Fields.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            var step = plan.Fields[i];
            var which = step.ReaderField?.Name switch
            {
                "scheme" => 1,
                "value" => 2,
                _ => 0,
            };
            if (which != 0 && !Supports(Target.Source, step.Plan!))
            {
                return null;
            }

            steps[i] = new RefStep(which, step.WriterField.Name, step.Plan, step.WriterField.Schema);
        }

        string? scheme = null, value = null;
        foreach (var d in plan.Defaults)
        {
            if (d.ReaderField.Name == "scheme")
            {
                scheme = d.RawValue as string;
            }
            else if (d.ReaderField.Name == "value")
            {
                value = d.RawValue as string;
            }
        }

        return new RefPlan(steps, scheme, value);
    }

    private bool TryReadRef(ref AvroReader r, RefPlan plan, out string? scheme, out string? value, out string? reason)
    {
        scheme = plan.DefaultScheme;
        value = plan.DefaultValue;
        reason = null;
        foreach (var step in plan.Steps)
        {
            var ok = step.Which switch
            {
                1 => TryReadString(ref r, step.Plan!, cache: true, out scheme, out reason) && NotNull(scheme, ref reason),
                2 => TryReadString(ref r, step.Plan!, cache: true, out value, out reason) && NotNull(value, ref reason),
                _ => TrySkip(ref r, step.SkipSchema, out reason),
            };
            if (!ok)
            {
                reason = $"{reason ?? "malformed value"} (in equipmentRef.{step.Name})";
                return false;
            }
        }

        if (scheme is null || value is null)
        {
            reason = "equipmentRef lacks scheme or value";
            return false;
        }

        return true;
    }

    private bool TryReadString(ref AvroReader r, ReadPlan plan, bool cache, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        switch (plan.Kind)
        {
            case ReadPlanKind.String:
            case ReadPlanKind.Bytes:
                var start = r.Position;
                if (!r.TryReadStringUtf8(out var utf8))
                {
                    reason = DescribeBadLength(ref r, "string", start);
                    return false;
                }

                value = utf8.IsEmpty ? string.Empty : cache ? _strings.Get(utf8) : Encoding.UTF8.GetString(utf8);
                return true;
            case ReadPlanKind.Null:
                return true;
            case ReadPlanKind.ReaderUnion:
                return TryReadString(ref r, plan.Inner!, cache, out value, out reason);
            case ReadPlanKind.WriterUnion:
                return TryBranch(ref r, plan, out var branch, out reason) && TryReadString(ref r, branch!, cache, out value, out reason);
            default:
                reason = plan.Error ?? "value cannot be read";
                return false;
        }
    }

    private static bool TryReadLong(ref AvroReader r, ReadPlan plan, out long? value, out string? reason)
    {
        value = null;
        reason = null;
        switch (plan.Kind)
        {
            case ReadPlanKind.Long:
                if (r.TryReadLong(out var l))
                {
                    value = l;
                    return true;
                }

                reason = "malformed long";
                return false;
            case ReadPlanKind.Int:
                if (r.TryReadInt(out var i))
                {
                    value = i;
                    return true;
                }

                reason = "malformed int";
                return false;
            case ReadPlanKind.Null:
                return true;
            case ReadPlanKind.ReaderUnion:
                return TryReadLong(ref r, plan.Inner!, out value, out reason);
            case ReadPlanKind.WriterUnion:
                return TryBranch(ref r, plan, out var branch, out reason) && TryReadLong(ref r, branch!, out value, out reason);
            default:
                reason = plan.Error ?? "value cannot be read";
                return false;
        }
    }

    private static bool TryReadDouble(ref AvroReader r, ReadPlan plan, out double? value, out string? reason)
    {
        value = null;
        reason = null;
        switch (plan.Kind)
        {
            case ReadPlanKind.Double:
                if (r.TryReadDouble(out var d))
                {
                    value = d;
                    return true;
                }

                reason = $"input ends inside a double: 8 bytes needed, {r.Remaining} remaining";
                return false;
            case ReadPlanKind.Float:
                if (r.TryReadFloat(out var f))
                {
                    value = f;
                    return true;
                }

                reason = $"input ends inside a float: 4 bytes needed, {r.Remaining} remaining";
                return false;
            case ReadPlanKind.Long or ReadPlanKind.Int:
                // Promoted to double as the spec allows; the integer reading is TryReadLong's.
                bool read = TryReadLong(ref r, plan, out long? integer, out reason);
                value = integer;
                return read;
            case ReadPlanKind.Null:
                return true;
            case ReadPlanKind.ReaderUnion:
                return TryReadDouble(ref r, plan.Inner!, out value, out reason);
            case ReadPlanKind.WriterUnion:
                return TryBranch(ref r, plan, out var branch, out reason) && TryReadDouble(ref r, branch!, out value, out reason);
            default:
                reason = plan.Error ?? "value cannot be read";
                return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryBranch(ref AvroReader r, ReadPlan union, out ReadPlan? branch, out string? reason)
    {
        branch = null;
        reason = null;
        var before = r;
        if (!r.TryReadLong(out var index))
        {
            reason = "malformed union branch index";
            return false;
        }

        var branches = union.Branches;
        if ((ulong)index >= (ulong)branches.Count)
        {
            // Report the offset of the index itself, as the generic reader does.
            r = before;
            reason = $"union branch index {index} is outside the {branches.Count} branches of {union.Writer.DisplayName}";
            return false;
        }

        branch = branches[(int)index];
        return true;
    }

    private static bool TrySkip(ref AvroReader r, AvroSchema schema, out string? reason)
    {
        try
        {
            AvroSkipper.Skip(ref r, schema);
            reason = null;
            return true;
        }
        catch (AvroException ex)
        {
            reason = ex.Reason;
            return false;
        }
    }

    private static bool NotNull<T>(T? value, ref string? reason)
    {
        if (value is null)
        {
            reason = "required value is null";
            return false;
        }

        return true;
    }

    private static string DescribeBadLength(ref AvroReader r, string what, int start)
    {
        var probe = new AvroReader(r.UnreadSpan);
        if (!probe.TryReadLong(out var length))
        {
            return r.End ? $"input ends where a {what} was expected" : $"malformed {what} length";
        }

        return length < 0
            ? $"negative {what} length {length}"
            : length > r.Remaining - probe.Position
                ? $"declared {what} length {length} exceeds the {r.Remaining - probe.Position} bytes remaining"
                : $"{what} is not valid UTF-8";
    }

    private sealed class Initial
    {
        public string? SiteId;
        public string? ProjectCode;
        public string? CostCode;
        public long? IntervalStart;
        public double? OperatingHours;
        public double? CumulativeOperatingHours;
        public double? DistanceKm;
    }

    private sealed record Op(Target Target, string Name, ReadPlan? Plan, AvroSchema? SkipSchema, RefPlan? Ref);

    private sealed record RefStep(int Which, string Name, ReadPlan? Plan, AvroSchema SkipSchema);

    private sealed record RefPlan(RefStep[] Steps, string? DefaultScheme, string? DefaultValue);
}

/// <summary>
/// A small lossy cache from UTF-8 bytes to strings for values that repeat across events (sources, identifier schemes,
/// site and project codes, equipment identifiers). Slots are replaced freely; a slot holds an immutable entry, so
/// concurrent readers see either the old or the new entry, both correct.
/// </summary>
internal sealed class Utf8StringCache
{
    private const int MaxLength = 64;
    private const int Slots = 1024;
    private readonly Entry?[] _entries = new Entry?[Slots];

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var slot = (int)((uint)HashCode(utf8) % Slots);
        var entry = Volatile.Read(ref _entries[slot]);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var value = Encoding.UTF8.GetString(utf8);
        Volatile.Write(ref _entries[slot], new Entry(utf8.ToArray(), value));
        return value;
    }

    private static int HashCode(ReadOnlySpan<byte> data)
    {
        var hash = new HashCode();
        hash.AddBytes(data);
        return hash.ToHashCode();
    }

    private sealed record Entry(byte[] Utf8, string Value);
}

using TelemetryPipeline.Avro;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas;

/// <summary>
/// Maps between generic Avro records (logical types left underlying: timestamps as long ms, decimals as bytes of
/// scale 4) and the Domain records. Field access is by name so that any schema version with the same field names maps.
/// </summary>
internal static class DomainRecordMapper
{
    internal const int DecimalScale = 4;

    /// <summary>The record's Avro name (without namespace) for a Domain record instance.</summary>
    internal static string RecordNameOf(object record) => record switch
    {
        EquipmentUsage => TelemetrySchemas.EquipmentUsage,
        EquipmentIdle => TelemetrySchemas.EquipmentIdle,
        FuelEvent => TelemetrySchemas.FuelEvent,
        EquipmentAssignment => TelemetrySchemas.EquipmentAssignment,
        EquipmentRate => TelemetrySchemas.EquipmentRate,
        EquipmentAlias => TelemetrySchemas.EquipmentAlias,
        null => throw new ArgumentNullException(nameof(record)),
        _ => throw new ArgumentException($"{record.GetType().Name} is not one of the six telemetry/master-data records.", nameof(record)),
    };

    /// <summary>Builds a record of <paramref name="schema"/> from a Domain record; fields the schema lacks are dropped, fields the record lacks take defaults.</summary>
    internal static GenericRecord ToGeneric(object record, RecordSchema schema)
    {
        var result = new GenericRecord(schema);
        foreach (var field in schema.Fields)
        {
            result[field.Position] = FieldValue(record, field);
        }

        return result;
    }

    private static object? FieldValue(object record, Field field)
    {
        if (record is TelemetryEvent e)
        {
            switch (field.Name)
            {
                case "eventId": return e.EventId;
                case "source": return e.Source;
                case "equipmentRef":
                    var refSchema = (RecordSchema)field.Schema;
                    return new GenericRecord(refSchema).With("scheme", e.Equipment.Scheme).With("value", e.Equipment.Value);
                case "eventTime": return e.EventTimeMs;
                case "siteId": return e.SiteId;
                case "projectCode": return e.ProjectCode;
                case "costCode": return e.CostCode;
            }
        }

        switch (record)
        {
            case EquipmentUsage u:
                switch (field.Name)
                {
                    case "intervalStart": return u.IntervalStartMs;
                    case "operatingHours": return u.OperatingHours;
                    case "cumulativeOperatingHours": return u.CumulativeOperatingHours;
                    case "distanceKm": return u.DistanceKm;
                }

                break;
            case EquipmentIdle i:
                switch (field.Name)
                {
                    case "intervalStart": return i.IntervalStartMs;
                    case "idleHours": return i.IdleHours;
                    case "cumulativeIdleHours": return i.CumulativeIdleHours;
                }

                break;
            case FuelEvent f:
                switch (field.Name)
                {
                    case "kind": return f.Kind == FuelKind.Burn ? "BURN" : "FILL";
                    case "quantity": return f.Quantity;
                    case "unit": return f.Unit == FuelUnit.Liter ? "LITER" : "US_GALLON";
                    case "cumulativeFuelUsedLiters": return f.CumulativeFuelUsedLiters;
                    case "totalCost": return f.TotalCost;
                    case "currency": return f.Currency;
                }

                break;
            case EquipmentAssignment a:
                switch (field.Name)
                {
                    case "equipmentId": return a.EquipmentId;
                    case "projectCode": return a.ProjectCode;
                    case "costCode": return a.CostCode;
                    case "validFrom": return a.ValidFromMs;
                    case "validTo": return a.ValidToMs;
                }

                break;
            case EquipmentRate r:
                switch (field.Name)
                {
                    case "equipmentId": return r.EquipmentId;
                    case "ownership": return r.Ownership == Ownership.Owned ? "OWNED" : "RENTED";
                    case "operatingRate": return r.OperatingRate;
                    case "idleRate": return r.IdleRate;
                    case "fuelIncluded": return r.FuelIncluded;
                    case "fuelPricePerLiter": return r.FuelPricePerLiter;
                    case "currency": return r.Currency;
                    case "validFrom": return r.ValidFromMs;
                }

                break;
            case EquipmentAlias al:
                switch (field.Name)
                {
                    case "scheme": return al.Scheme;
                    case "value": return al.Value;
                    case "equipmentId": return al.EquipmentId;
                }

                break;
        }

        if (field.DefaultJson is { } json)
        {
            return Avro.Json.AvroJsonDatum.FromDefault(json, field.Schema, convertLogicalTypes: false);
        }

        throw new ArgumentException($"Schema {field.Schema.DisplayName} field '{field.Name}' has no counterpart on {record.GetType().Name} and no default.");
    }

    /// <summary>Builds the Domain record for a decoded record of the current schema version (logical types underlying).</summary>
    internal static object ToDomain(GenericRecord record) => record.Schema.Name switch
    {
        TelemetrySchemas.EquipmentUsage => new EquipmentUsage
        {
            EventId = Str(record, "eventId"),
            Source = Str(record, "source"),
            Equipment = Ref(record),
            EventTimeMs = (long)record["eventTime"]!,
            SiteId = NStr(record, "siteId"),
            ProjectCode = NStr(record, "projectCode"),
            CostCode = NStr(record, "costCode"),
            IntervalStartMs = (long?)record["intervalStart"],
            OperatingHours = (double?)record["operatingHours"],
            CumulativeOperatingHours = (double?)record["cumulativeOperatingHours"],
            DistanceKm = (double?)record["distanceKm"],
        },
        TelemetrySchemas.EquipmentIdle => new EquipmentIdle
        {
            EventId = Str(record, "eventId"),
            Source = Str(record, "source"),
            Equipment = Ref(record),
            EventTimeMs = (long)record["eventTime"]!,
            SiteId = NStr(record, "siteId"),
            ProjectCode = NStr(record, "projectCode"),
            CostCode = NStr(record, "costCode"),
            IntervalStartMs = (long?)record["intervalStart"],
            IdleHours = (double?)record["idleHours"],
            CumulativeIdleHours = (double?)record["cumulativeIdleHours"],
        },
        TelemetrySchemas.FuelEvent => new FuelEvent
        {
            EventId = Str(record, "eventId"),
            Source = Str(record, "source"),
            Equipment = Ref(record),
            EventTimeMs = (long)record["eventTime"]!,
            SiteId = NStr(record, "siteId"),
            ProjectCode = NStr(record, "projectCode"),
            CostCode = NStr(record, "costCode"),
            Kind = Symbol(record, "kind") == "BURN" ? FuelKind.Burn : FuelKind.Fill,
            Quantity = (double)record["quantity"]!,
            Unit = Symbol(record, "unit") == "LITER" ? FuelUnit.Liter : FuelUnit.UsGallon,
            CumulativeFuelUsedLiters = (double?)record["cumulativeFuelUsedLiters"],
            TotalCost = record["totalCost"] is byte[] cost ? AvroDecimal.ToDecimal(cost, DecimalScale) : null,
            Currency = NStr(record, "currency"),
        },
        TelemetrySchemas.EquipmentAssignment => new EquipmentAssignment(
            Str(record, "equipmentId"), Str(record, "projectCode"), Str(record, "costCode"), (long)record["validFrom"]!, (long?)record["validTo"]),
        TelemetrySchemas.EquipmentRate => new EquipmentRate(
            Str(record, "equipmentId"),
            Symbol(record, "ownership") == "OWNED" ? Ownership.Owned : Ownership.Rented,
            Dec(record, "operatingRate"),
            Dec(record, "idleRate"),
            (bool)record["fuelIncluded"]!,
            Dec(record, "fuelPricePerLiter"),
            Str(record, "currency"),
            (long)record["validFrom"]!),
        TelemetrySchemas.EquipmentAlias => new EquipmentAlias(Str(record, "scheme"), Str(record, "value"), Str(record, "equipmentId")),
        _ => throw new AvroException($"Record {record.Schema.FullName} has no Domain counterpart"),
    };

    private static string Str(GenericRecord r, string name) => (string)r[name]!;

    private static string? NStr(GenericRecord r, string name) => (string?)r[name];

    private static string Symbol(GenericRecord r, string name) => ((GenericEnum)r[name]!).Symbol;

    private static decimal Dec(GenericRecord r, string name) => AvroDecimal.ToDecimal((byte[])r[name]!, DecimalScale);

    private static EquipmentRef Ref(GenericRecord r)
    {
        var equipment = (GenericRecord)r["equipmentRef"]!;
        return new EquipmentRef((string)equipment["scheme"]!, (string)equipment["value"]!);
    }
}

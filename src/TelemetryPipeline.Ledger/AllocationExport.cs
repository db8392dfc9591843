using System.Globalization;
using System.Text;
using System.Text.Json;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

/// <summary>
/// Allocation exports for finance: JSON in exactly the shape of ALLOCATION-RULES.md "Allocation record", and CSV with
/// one row per line (RFC 4180). Quantities: hours = ms / 3 600 000 rounded to 6 decimals, litres = ml / 1000
/// (3 decimals), written with at least one decimal so the type never flips between integer and real; amounts are
/// strings with exactly 2 decimals.
/// </summary>
public static class AllocationExport
{
    private const decimal MsPerHour = 3_600_000m;
    private const decimal MlPerLiter = 1000m;

    private static readonly string[] s_csvHeader =
    [
        "allocation_id", "period", "project_code", "cost_code", "revision", "currency", "status",
        "allocation_operating_hours", "allocation_idle_hours", "allocation_fuel_liters", "allocation_amount",
        "equipment_id", "operating_hours", "idle_hours", "fuel_liters",
        "operating_amount", "idle_amount", "fuel_amount", "line_amount",
        "operating_rate", "idle_rate", "fuel_included", "fuel_price_per_liter", "rate_currency", "rate_valid_from",
    ];

    /// <summary>A JSON array with one object per allocation.</summary>
    public static string ToJson(IEnumerable<Allocation> allocations, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartArray();
            foreach (Allocation allocation in allocations)
            {
                WriteJson(writer, allocation);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes one allocation record (the object, without an enclosing array).</summary>
    public static void WriteJson(Utf8JsonWriter writer, Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(allocation);
        writer.WriteStartObject();
        writer.WriteString("allocationId", allocation.AllocationId);
        writer.WriteString("period", allocation.Period.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        writer.WriteString("projectCode", allocation.ProjectCode);
        writer.WriteString("costCode", allocation.CostCode);
        writer.WriteNumber("revision", allocation.Revision);
        writer.WriteString("currency", allocation.Currency);
        writer.WriteString("status", allocation.Status.ToWire());
        WriteQuantity(writer, "operatingHours", Hours(allocation.OperatingMs));
        WriteQuantity(writer, "idleHours", Hours(allocation.IdleMs));
        WriteQuantity(writer, "fuelLiters", Liters(allocation.FuelMl));
        writer.WriteString("amount", Amount(allocation.Amount));
        writer.WriteStartArray("lines");
        foreach (AllocationLine line in allocation.Lines)
        {
            writer.WriteStartObject();
            writer.WriteString("equipmentId", line.EquipmentId);
            WriteQuantity(writer, "operatingHours", Hours(line.OperatingMs));
            WriteQuantity(writer, "idleHours", Hours(line.IdleMs));
            WriteQuantity(writer, "fuelLiters", Liters(line.FuelMl));
            writer.WriteString("operatingAmount", Amount(line.OperatingAmount));
            writer.WriteString("idleAmount", Amount(line.IdleAmount));
            writer.WriteString("fuelAmount", Amount(line.FuelAmount));
            writer.WriteString("amount", Amount(line.Amount));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>CSV (RFC 4180: CRLF, quoted where needed) with a header and one row per line, allocation columns repeated.</summary>
    public static string ToCsv(IEnumerable<Allocation> allocations)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteCsv(writer, allocations);
        return writer.ToString();
    }

    /// <summary>Writes the CSV of <see cref="ToCsv"/> to <paramref name="writer"/>.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<Allocation> allocations)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(allocations);
        WriteCsvRow(writer, s_csvHeader);
        var row = new string[s_csvHeader.Length];
        foreach (Allocation allocation in allocations)
        {
            row[0] = allocation.AllocationId;
            row[1] = allocation.Period.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            row[2] = allocation.ProjectCode;
            row[3] = allocation.CostCode;
            row[4] = allocation.Revision.ToString(CultureInfo.InvariantCulture);
            row[5] = allocation.Currency;
            row[6] = allocation.Status.ToWire();
            row[7] = Quantity(Hours(allocation.OperatingMs));
            row[8] = Quantity(Hours(allocation.IdleMs));
            row[9] = Quantity(Liters(allocation.FuelMl));
            row[10] = Amount(allocation.Amount);
            if (allocation.Lines.Count == 0)
            {
                // Still one row, so an allocation never disappears from the export.
                Array.Fill(row, string.Empty, 11, row.Length - 11);
                WriteCsvRow(writer, row);
            }

            foreach (AllocationLine line in allocation.Lines)
            {
                row[11] = line.EquipmentId;
                row[12] = Quantity(Hours(line.OperatingMs));
                row[13] = Quantity(Hours(line.IdleMs));
                row[14] = Quantity(Liters(line.FuelMl));
                row[15] = Amount(line.OperatingAmount);
                row[16] = Amount(line.IdleAmount);
                row[17] = Amount(line.FuelAmount);
                row[18] = Amount(line.Amount);
                row[19] = line.Rate.OperatingRate.ToString(CultureInfo.InvariantCulture);
                row[20] = line.Rate.IdleRate.ToString(CultureInfo.InvariantCulture);
                row[21] = line.Rate.FuelIncluded ? "true" : "false";
                row[22] = line.Rate.FuelPricePerLiter.ToString(CultureInfo.InvariantCulture);
                row[23] = line.Rate.Currency;
                row[24] = DateTimeOffset.FromUnixTimeMilliseconds(line.Rate.ValidFromMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                WriteCsvRow(writer, row);
            }
        }
    }

    /// <summary>operating or idle ms → hours, rounded to 6 decimals (halves away from zero).</summary>
    public static decimal Hours(long ms) => Normalize(Math.Round(ms / MsPerHour, 6, MidpointRounding.AwayFromZero));

    /// <summary>ml → litres (exact to 3 decimals).</summary>
    public static decimal Liters(long ml) => Normalize(Math.Round(ml / MlPerLiter, 3, MidpointRounding.AwayFromZero));

    /// <summary>An amount as the export writes it: exactly 2 decimals, invariant culture, e.g. <c>2143.50</c> or <c>-12.30</c>.</summary>
    public static string Amount(decimal amount) =>
        Math.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A quantity as the export writes it: shortest form with at least one decimal, e.g. <c>8.0</c>, <c>15.25</c>.</summary>
    public static string Quantity(decimal value) => value.ToString("0.0#####", CultureInfo.InvariantCulture);

    private static void WriteQuantity(Utf8JsonWriter writer, string name, decimal value)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(Quantity(value), skipInputValidation: true);
    }

    // A rounded-away tiny negative (e.g. −1 ms) must not print as "-0.0".
    private static decimal Normalize(decimal value) => value == 0m ? 0m : value;

    private static void WriteCsvRow(TextWriter writer, string[] fields)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            string field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
            {
                writer.Write(field);
                continue;
            }

            writer.Write('"');
            writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
            writer.Write('"');
        }

        writer.Write("\r\n");
    }
}

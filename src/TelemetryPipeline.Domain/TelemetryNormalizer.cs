using System.Globalization;

namespace TelemetryPipeline.Domain;

/// <summary>Limits of the validation rules (ALLOCATION-RULES.md, "Events"); defaults are the contract's.</summary>
public sealed record NormalizationRules
{
    /// <summary>Events older than this are rejected: their duplicates could no longer be recognised.</summary>
    public TimeSpan DedupeRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Clock skew tolerated for event times ahead of processing time.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>More fuel than this in one event is absurd (a tanker, not an excavator).</summary>
    public double MaxFuelLitersPerEvent { get; init; } = 2000.0;

    public static NormalizationRules Default { get; } = new();
}

/// <summary>
/// Validates a decoded telemetry record and turns it into integer quantities (ms, ml) with the interval they cover.
/// Bad input is a <see cref="Rejection"/> value with a reason a person can act on, never an exception.
/// </summary>
public static class TelemetryNormalizer
{
    public const double MsPerHour = 3_600_000.0;
    public const double MlPerLiter = 1000.0;
    public const double MlPerUsGallon = 3785.411784;

    // Meter readings beyond ~1,100 years of engine time are corrupt, and would overflow the integer maths.
    private const double MaxMeterHours = 1e7;
    private const double MaxMeterLiters = 1e10;

    /// <summary>Converts like the rules say: in double precision, rounding halves away from zero.</summary>
    public static long HoursToMs(double hours) => (long)Math.Round(hours * MsPerHour, MidpointRounding.AwayFromZero);

    public static long LitersToMl(double liters) => (long)Math.Round(liters * MlPerLiter, MidpointRounding.AwayFromZero);

    public static long UsGallonsToMl(double gallons) => (long)Math.Round(gallons * MlPerUsGallon, MidpointRounding.AwayFromZero);

    public static bool TryNormalize(
        TelemetryEvent record, long nowMs, NormalizationRules rules, out NormalizedEvent normalized, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(rules);
        normalized = default;
        if (!TryCheckCommon(record, nowMs, rules, out rejection))
        {
            return false;
        }

        return record switch
        {
            EquipmentUsage usage => TryTimeMeasure(
                record, Measure.OperatingMs, usage.OperatingHours, usage.CumulativeOperatingHours, usage.IntervalStartMs,
                "operatingHours", "cumulativeOperatingHours", out normalized, out rejection),
            EquipmentIdle idle => TryTimeMeasure(
                record, Measure.IdleMs, idle.IdleHours, idle.CumulativeIdleHours, idle.IntervalStartMs,
                "idleHours", "cumulativeIdleHours", out normalized, out rejection),
            FuelEvent fuel => TryFuel(fuel, rules, out normalized, out rejection),
            _ => Reject(RejectionReasons.UnknownSchema, $"record type {record.GetType().Name} is not telemetry", out normalized, out rejection),
        };
    }

    private static bool TryCheckCommon(TelemetryEvent record, long nowMs, NormalizationRules rules, out Rejection rejection)
    {
        rejection = default;
        if (string.IsNullOrWhiteSpace(record.EventId) || string.IsNullOrWhiteSpace(record.Source))
        {
            rejection = new Rejection(RejectionReasons.InvalidIdentifier, "eventId and source must be non-empty: they are the dedupe key");
            return false;
        }

        EquipmentRef equipment = record.Equipment;
        if (!IsKnownScheme(equipment.Scheme) || string.IsNullOrWhiteSpace(equipment.Value))
        {
            rejection = new Rejection(
                RejectionReasons.InvalidIdentifier,
                $"equipmentRef '{equipment.Scheme}:{equipment.Value}' needs scheme canonical, serial, telematics or rental and a non-empty value");
            return false;
        }

        if (ContainsSeparator(record.ProjectCode) || ContainsSeparator(record.CostCode))
        {
            rejection = new Rejection(RejectionReasons.InvalidIdentifier, "projectCode and costCode must not contain '|'");
            return false;
        }

        long maxFuture = nowMs + (long)rules.MaxFutureSkew.TotalMilliseconds;
        if (record.EventTimeMs > maxFuture)
        {
            rejection = new Rejection(
                RejectionReasons.FutureEventTime,
                $"eventTime {FormatTime(record.EventTimeMs)} is more than {rules.MaxFutureSkew.TotalMinutes:0} minutes ahead of processing time {FormatTime(nowMs)}: check the device clock");
            return false;
        }

        long oldest = nowMs - (long)rules.DedupeRetention.TotalMilliseconds;
        if (record.EventTimeMs < oldest)
        {
            rejection = new Rejection(
                RejectionReasons.BeyondRetention,
                $"eventTime {FormatTime(record.EventTimeMs)} is older than the dedupe retention ({rules.DedupeRetention.TotalDays:0} days): it could be a duplicate that can no longer be recognised; book it by hand");
            return false;
        }

        return true;
    }

    private static bool TryTimeMeasure(
        TelemetryEvent record, Measure measure, double? deltaHours, double? cumulativeHours, long? intervalStartMs,
        string deltaField, string cumulativeField, out NormalizedEvent normalized, out Rejection rejection)
    {
        // A meter reading is authoritative (ISO 15143-3): when both are sent, the delta is ignored.
        if (cumulativeHours is double reading)
        {
            if (!double.IsFinite(reading) || reading < 0 || reading > MaxMeterHours)
            {
                return Reject(RejectionReasons.InvalidNumber, $"{cumulativeField} {Format(reading)} is not a meter reading between 0 and {MaxMeterHours:0} hours", out normalized, out rejection);
            }

            normalized = Create(record, ContributionKind.MeterReading, measure, HoursToMs(reading), record.EventTimeMs);
            rejection = default;
            return true;
        }

        if (deltaHours is not double delta)
        {
            return Reject(RejectionReasons.MissingMeasure, $"both {deltaField} and {cumulativeField} are null: nothing to count", out normalized, out rejection);
        }

        if (!double.IsFinite(delta))
        {
            return Reject(RejectionReasons.InvalidNumber, $"{deltaField} is {Format(delta)}", out normalized, out rejection);
        }

        if (delta < 0)
        {
            return Reject(RejectionReasons.NegativeDelta, $"{deltaField} {Format(delta)} is negative", out normalized, out rejection);
        }

        if (delta > MaxMeterHours)
        {
            return Reject(RejectionReasons.DeltaExceedsInterval, $"{deltaField} {Format(delta)} is longer than any interval", out normalized, out rejection);
        }

        long deltaMs = HoursToMs(delta);
        long start;
        if (intervalStartMs is long given)
        {
            if (given >= record.EventTimeMs)
            {
                return Reject(RejectionReasons.InvalidInterval, $"intervalStart {FormatTime(given)} is not before eventTime {FormatTime(record.EventTimeMs)}", out normalized, out rejection);
            }

            if (deltaMs > record.EventTimeMs - given)
            {
                return Reject(
                    RejectionReasons.DeltaExceedsInterval,
                    $"{deltaField} {Format(delta)} h is more than the interval's {(record.EventTimeMs - given) / MsPerHour:0.######} h (more than one hour per hour)",
                    out normalized, out rejection);
            }

            start = given;
        }
        else
        {
            start = record.EventTimeMs - deltaMs;
        }

        normalized = Create(record, ContributionKind.Delta, measure, deltaMs, start);
        rejection = default;
        return true;
    }

    private static bool TryFuel(FuelEvent fuel, NormalizationRules rules, out NormalizedEvent normalized, out Rejection rejection)
    {
        double quantity = fuel.Quantity;
        if (!double.IsFinite(quantity))
        {
            return Reject(RejectionReasons.InvalidNumber, $"quantity is {Format(quantity)}", out normalized, out rejection);
        }

        if (quantity <= 0)
        {
            return Reject(RejectionReasons.NonPositiveQuantity, $"quantity {Format(quantity)} must be above 0", out normalized, out rejection);
        }

        double liters = fuel.Unit == FuelUnit.UsGallon ? quantity * (MlPerUsGallon / MlPerLiter) : quantity;
        if (liters > rules.MaxFuelLitersPerEvent)
        {
            return Reject(
                RejectionReasons.AbsurdQuantity,
                $"quantity {Format(quantity)} {(fuel.Unit == FuelUnit.UsGallon ? "US gal" : "L")} is more than {rules.MaxFuelLitersPerEvent:0} litres in one event",
                out normalized, out rejection);
        }

        long ml = fuel.Unit == FuelUnit.UsGallon ? UsGallonsToMl(quantity) : LitersToMl(quantity);
        if (fuel.Kind == FuelKind.Fill)
        {
            // Fills are kept for reconciliation (filled vs burned) and never allocated; their meter field is not a burn reading.
            normalized = Create(fuel, ContributionKind.Point, Measure.FuelFillMl, ml, fuel.EventTimeMs);
            rejection = default;
            return true;
        }

        if (fuel.CumulativeFuelUsedLiters is double reading)
        {
            if (!double.IsFinite(reading) || reading < 0 || reading > MaxMeterLiters)
            {
                return Reject(RejectionReasons.InvalidNumber, $"cumulativeFuelUsedLiters {Format(reading)} is not a meter reading", out normalized, out rejection);
            }

            normalized = Create(fuel, ContributionKind.MeterReading, Measure.FuelBurnMl, LitersToMl(reading), fuel.EventTimeMs);
            rejection = default;
            return true;
        }

        normalized = Create(fuel, ContributionKind.Point, Measure.FuelBurnMl, ml, fuel.EventTimeMs);
        rejection = default;
        return true;
    }

    private static NormalizedEvent Create(TelemetryEvent record, ContributionKind kind, Measure measure, long amount, long intervalStartMs)
    {
        // Explicit codes count only as a pair (ALLOCATION-RULES.md, "Attribution"): one without the other is ignored.
        bool explicitCodes = !string.IsNullOrEmpty(record.ProjectCode) && !string.IsNullOrEmpty(record.CostCode);
        return new NormalizedEvent(
            record.Type,
            DedupeId.Compute(record.Type, record.Source, record.EventId),
            record.Equipment.Key,
            record.EventTimeMs,
            kind,
            measure,
            amount,
            intervalStartMs,
            explicitCodes ? record.ProjectCode : null,
            explicitCodes ? record.CostCode : null);
    }

    private static bool Reject(string reason, string detail, out NormalizedEvent normalized, out Rejection rejection)
    {
        normalized = default;
        rejection = new Rejection(reason, detail);
        return false;
    }

    private static bool IsKnownScheme(string? scheme) =>
        scheme is EquipmentRef.CanonicalScheme or "serial" or "telematics" or "rental";

    private static bool ContainsSeparator(string? code) => code is not null && code.Contains('|', StringComparison.Ordinal);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string FormatTime(long ms) =>
        ms is >= MinFormattableMs and <= MaxFormattableMs
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)
            : ms.ToString(CultureInfo.InvariantCulture) + " ms since epoch";

    private const long MinFormattableMs = -62_135_596_800_000;
    private const long MaxFormattableMs = 253_402_300_799_999;
}

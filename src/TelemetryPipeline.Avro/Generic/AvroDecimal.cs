using System.Numerics;

namespace TelemetryPipeline.Avro.Generic;

/// <summary>
/// The Avro <c>decimal</c> logical type: an unscaled two's-complement big-endian integer and a scale from the schema.
/// Maps to <see cref="decimal"/>, which holds 96-bit unscaled values and scales up to 28.
/// </summary>
public static class AvroDecimal
{
    /// <summary>Converts unscaled bytes; false when the value does not fit a <see cref="decimal"/> (more than 96 bits or scale above 28).</summary>
    public static bool TryToDecimal(ReadOnlySpan<byte> unscaled, int scale, out decimal value)
    {
        value = 0m;
        if ((uint)scale > 28)
        {
            return false;
        }

        if (unscaled.IsEmpty)
        {
            return true;
        }

        var negative = (unscaled[0] & 0x80) != 0;
        var signByte = negative ? (byte)0xFF : (byte)0x00;

        // Leading sign-extension bytes carry no magnitude; after them at most 12 bytes (96 bits) plus one sign byte may remain.
        var start = 0;
        while (start < unscaled.Length - 1 && unscaled[start] == signByte && ((unscaled[start + 1] & 0x80) != 0) == negative)
        {
            start++;
        }

        var significant = unscaled[start..];
        if (significant.Length > 13)
        {
            return false;
        }

        Int128 acc = negative ? Int128.NegativeOne : Int128.Zero;
        foreach (var b in significant)
        {
            acc = (acc << 8) | b;
        }

        var magnitude = negative ? (UInt128)(-acc) : (UInt128)acc;
        if (magnitude >> 96 != 0)
        {
            return false;
        }

        var lo = (int)(uint)magnitude;
        var mid = (int)(uint)(magnitude >> 32);
        var hi = (int)(uint)(magnitude >> 64);
        value = new decimal(lo, mid, hi, negative, (byte)scale);
        return true;
    }

    /// <summary>Converts unscaled bytes; throws <see cref="AvroException"/> when the value does not fit a <see cref="decimal"/>.</summary>
    public static decimal ToDecimal(ReadOnlySpan<byte> unscaled, int scale)
    {
        if (!TryToDecimal(unscaled, scale, out var value))
        {
            throw new AvroException(scale > 28
                ? $"Decimal scale {scale} exceeds the 28 digits System.Decimal supports"
                : $"Decimal of {unscaled.Length} bytes does not fit System.Decimal (96-bit unscaled value)");
        }

        return value;
    }

    /// <summary>
    /// The minimal two's-complement big-endian bytes of <paramref name="value"/> at <paramref name="scale"/>. Throws
    /// <see cref="AvroException"/> when the value has more fractional digits than the scale (no silent rounding of money)
    /// or more than <paramref name="precision"/> digits (when precision is positive).
    /// </summary>
    public static byte[] ToBytes(decimal value, int scale, int precision = 0)
    {
        var unscaled = Unscaled(value, scale, precision);
        return unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);
    }

    /// <summary>Writes the value as fixed bytes of exactly <paramref name="size"/>, sign-extended.</summary>
    public static byte[] ToFixedBytes(decimal value, int scale, int size, int precision = 0)
    {
        var unscaled = Unscaled(value, scale, precision);
        var minimal = unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);
        if (minimal.Length > size)
        {
            throw new AvroException($"Decimal {value} needs {minimal.Length} bytes; the fixed holds {size}");
        }

        var result = new byte[size];
        if (unscaled.Sign < 0)
        {
            result.AsSpan(0, size - minimal.Length).Fill(0xFF);
        }

        minimal.CopyTo(result, size - minimal.Length);
        return result;
    }

    private static BigInteger Unscaled(decimal value, int scale, int precision)
    {
        if ((uint)scale > 28)
        {
            throw new AvroException($"Decimal scale {scale} exceeds the 28 digits System.Decimal supports");
        }

        var bits = decimal.GetBits(value);
        var valueScale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        if (bits[3] < 0)
        {
            mantissa = -mantissa;
        }

        if (valueScale > scale)
        {
            var divisor = BigInteger.Pow(10, valueScale - scale);
            var quotient = BigInteger.DivRem(mantissa, divisor, out var remainder);
            if (!remainder.IsZero)
            {
                throw new AvroException($"Decimal {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} has more than {scale} fractional digits; the schema's scale would round it");
            }

            mantissa = quotient;
        }
        else if (valueScale < scale)
        {
            mantissa *= BigInteger.Pow(10, scale - valueScale);
        }

        if (precision > 0 && BigInteger.Abs(mantissa) >= BigInteger.Pow(10, precision))
        {
            throw new AvroException($"Decimal {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} has more than {precision} digits at scale {scale}");
        }

        return mantissa;
    }
}

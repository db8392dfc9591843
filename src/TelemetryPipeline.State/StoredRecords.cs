using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.State;

/// <summary>
/// The text formats the apply script writes and the readers parse: bucket fields <c>slot|measure|project|cost</c>
/// (codes percent-escaped so that a '|' inside one cannot shift the others) and incident records
/// <c>kind|measure|eventTime|prevTime|prevReading|reading|heldOut|identifier</c> (identifier last, verbatim).
/// </summary>
public static class StoredRecords
{
    /// <summary>The "project|cost" argument for events carrying both codes; null when either is missing (codes count only in pairs).</summary>
    public static string? CodePair(string? projectCode, string? costCode) =>
        string.IsNullOrEmpty(projectCode) || string.IsNullOrEmpty(costCode)
            ? null
            : string.Concat(Escape(projectCode), "|", Escape(costCode));

    /// <summary>Formats a bucket field the way the script does (for tests and tools).</summary>
    public static string BucketField(int slot, Measure measure, string? projectCode, string? costCode) =>
        string.Create(CultureInfo.InvariantCulture, $"{slot}|{(int)measure}|{CodePair(projectCode, costCode) ?? "|"}");

    /// <summary>Parses a bucket field; false if it is not one.</summary>
    public static bool TryParseBucketField(
        ReadOnlySpan<byte> field, out int slot, out Measure measure, out string? projectCode, out string? costCode)
    {
        slot = 0;
        measure = default;
        projectCode = null;
        costCode = null;
        int first = field.IndexOf((byte)'|');
        if (first < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = field[(first + 1)..];
        int second = rest.IndexOf((byte)'|');
        if (second < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> codes = rest[(second + 1)..];
        int third = codes.IndexOf((byte)'|');
        if (third < 0 || codes[(third + 1)..].IndexOf((byte)'|') >= 0)
        {
            return false;
        }

        if (!int.TryParse(field[..first], NumberStyles.None, CultureInfo.InvariantCulture, out slot) ||
            slot is < 0 or >= BucketMath.BucketsPerDay ||
            !byte.TryParse(rest[..second], NumberStyles.None, CultureInfo.InvariantCulture, out byte m) ||
            !Enum.IsDefined((Measure)m))
        {
            return false;
        }

        measure = (Measure)m;
        ReadOnlySpan<byte> project = codes[..third];
        ReadOnlySpan<byte> cost = codes[(third + 1)..];
        if (project.Length > 0 && cost.Length > 0)
        {
            projectCode = Unescape(project);
            costCode = Unescape(cost);
        }

        return true;
    }

    /// <summary>Parses an incident record written by the apply script.</summary>
    public static bool TryParseIncident(ReadOnlySpan<byte> record, [NotNullWhen(true)] out MeterIncident? incident)
    {
        incident = null;
        Span<long> numbers = stackalloc long[7];
        int at = 0;
        for (int i = 0; i < numbers.Length; i++)
        {
            int bar = record[at..].IndexOf((byte)'|');
            if (bar < 0 ||
                !long.TryParse(record.Slice(at, bar), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return false;
            }

            at += bar + 1;
        }

        var kind = (EventOutcome)numbers[0];
        var measure = (Measure)numbers[1];
        if (kind is not (EventOutcome.Reset or EventOutcome.Anomaly or EventOutcome.LateReading) || !Enum.IsDefined(measure))
        {
            return false;
        }

        incident = new MeterIncident(
            Encoding.UTF8.GetString(record[at..]), measure, kind, numbers[2], numbers[3], numbers[4], numbers[5], numbers[6]);
        return true;
    }

    private static string Escape(string code) =>
        code.AsSpan().IndexOfAny('|', '%') < 0 ? code : code.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);

    private static string Unescape(ReadOnlySpan<byte> code)
    {
        string text = Encoding.UTF8.GetString(code);
        return text.Contains('%', StringComparison.Ordinal)
            ? text.Replace("%7C", "|", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal)
            : text;
    }
}

using System.Globalization;
using System.Text;

namespace TelemetryPipeline.Web.Metrics;

/// <summary>
/// The Prometheus text exposition format (0.0.4): names and label names sanitized to
/// <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, HELP escaped (<c>\\</c>, <c>\n</c>), label values escaped (<c>\\</c>, <c>\"</c>,
/// <c>\n</c>), one HELP and one TYPE line per family.
/// </summary>
public static class PrometheusText
{
    public static void Write(TextWriter writer, MetricsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (MetricFamily family in snapshot.Families)
        {
            WriteFamily(writer, family);
        }
    }

    public static void WriteFamily(TextWriter writer, MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(family);
        string exposed = family.ExposedName;
        writer.Write("# HELP ");
        writer.Write(exposed);
        writer.Write(' ');
        writer.Write(EscapeHelp(string.IsNullOrWhiteSpace(family.Help) ? family.Name : family.Help));
        writer.Write('\n');
        writer.Write("# TYPE ");
        writer.Write(exposed);
        writer.Write(family.Kind switch
        {
            MetricKind.Counter => " counter\n",
            MetricKind.Gauge => " gauge\n",
            _ => " histogram\n",
        });

        foreach (MetricSeries series in family.Series)
        {
            if (family.Kind != MetricKind.Histogram)
            {
                WriteSample(writer, exposed, series.Labels, null, series.Value);
                continue;
            }

            HistogramData h = series.Histogram!;
            long cumulative = 0;
            for (int i = 0; i < h.UpperBounds.Count; i++)
            {
                cumulative += h.BucketCounts[i];
                WriteSample(writer, family.Name + "_bucket", series.Labels, FormatValue(h.UpperBounds[i]), cumulative);
            }

            cumulative += h.BucketCounts[^1];
            WriteSample(writer, family.Name + "_bucket", series.Labels, "+Inf", cumulative);
            WriteSample(writer, family.Name + "_sum", series.Labels, null, h.Sum);
            WriteSample(writer, family.Name + "_count", series.Labels, null, cumulative);
        }
    }

    /// <summary>An instrument name as a metric name: invalid characters (e.g. the dots of <c>ledger.retries</c>) become '_'.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A tag name as a label name: invalid characters become '_'; names reserved by Prometheus get a prefix.</summary>
    public static string SanitizeLabelName(string name)
    {
        string sanitized = Sanitize(name, allowColon: false);
        return sanitized.StartsWith("__", StringComparison.Ordinal) || sanitized == "le" ? "tag" + sanitized : sanitized;
    }

    public static string EscapeHelp(string help)
    {
        ArgumentNullException.ThrowIfNull(help);
        return help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>A sample value as Prometheus parses it: shortest round-trip form, <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Tags as sorted, sanitized labels (a repeated name keeps its last value).</summary>
    internal static KeyValuePair<string, string>[] ToLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            labels[SanitizeLabelName(tag.Key)] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
        }

        var result = new KeyValuePair<string, string>[labels.Count];
        int i = 0;
        foreach (KeyValuePair<string, string> pair in labels)
        {
            result[i++] = pair;
        }

        return result;
    }

    internal static string SeriesKey(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        if (labels.Count == 0)
        {
            return string.Empty;
        }

        var key = new StringBuilder();
        foreach (KeyValuePair<string, string> pair in labels)
        {
            key.Append(pair.Key).Append('\u0001').Append(pair.Value).Append('\u0002');
        }

        return key.ToString();
    }

    private static void WriteSample(TextWriter writer, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        writer.Write(name);
        if (labels.Count > 0 || le is not null)
        {
            writer.Write('{');
            bool first = true;
            foreach (KeyValuePair<string, string> pair in labels)
            {
                if (!first)
                {
                    writer.Write(',');
                }

                first = false;
                writer.Write(pair.Key);
                writer.Write("=\"");
                writer.Write(EscapeLabelValue(pair.Value));
                writer.Write('"');
            }

            if (le is not null)
            {
                if (!first)
                {
                    writer.Write(',');
                }

                writer.Write("le=\"");
                writer.Write(le);
                writer.Write('"');
            }

            writer.Write('}');
        }

        writer.Write(' ');
        writer.Write(FormatValue(value));
        writer.Write('\n');
    }

    private static string Sanitize(string name, bool allowColon)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "_";
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (char c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return builder.ToString();
    }
}

using System.Globalization;

namespace TelemetryPipeline.Web.Views;

/// <summary>One data series of a bar chart; <see cref="CssClass"/> gives its colour (see app.css).</summary>
public sealed record ChartSeries(string Name, string CssClass, IReadOnlyList<double> Values);

/// <summary>
/// Charts drawn on the server as inline SVG (no script, no external source, so they pass the CSP and work offline).
/// Every mark carries a <c>&lt;title&gt;</c> with its exact value, shown as a tooltip and read by screen readers.
/// </summary>
public static class SvgCharts
{
    private const double Width = 720;
    private const double Height = 260;
    private const double Left = 56;
    private const double Right = 12;
    private const double Top = 30;
    private const double Bottom = 44;

    /// <summary>Vertical bars, one group per label; stacked or side by side.</summary>
    public static HtmlContent Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<ChartSeries> series, string unit, bool stacked, string kind)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        double max = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            double sum = 0;
            foreach (ChartSeries s in series)
            {
                double v = Math.Max(0, s.Values[i]);
                sum = stacked ? sum + v : Math.Max(sum, v);
            }

            max = Math.Max(max, sum);
        }

        (double top, double step) = NiceScale(max);
        var html = Open(title, kind);
        Legend(html, series);
        YAxis(html, top, step, unit);
        double plotWidth = Width - Left - Right;
        double plotHeight = Height - Top - Bottom;
        double slot = labels.Count == 0 ? plotWidth : plotWidth / labels.Count;
        double barWidth = Math.Min(64, slot * 0.7);
        for (int i = 0; i < labels.Count; i++)
        {
            double x0 = Left + (slot * i) + ((slot - barWidth) / 2);
            double baseY = Top + plotHeight;
            double each = stacked ? barWidth : barWidth / Math.Max(1, series.Count);
            for (int s = 0; s < series.Count; s++)
            {
                double value = Math.Max(0, series[s].Values[i]);
                double h = top <= 0 ? 0 : plotHeight * value / top;
                double x = stacked ? x0 : x0 + (each * s);
                double y = baseY - h;
                html.Append($"<rect class=\"{series[s].CssClass}\" x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(each)}\" height=\"{F(h)}\"><title>{labels[i]} · {series[s].Name}: {Fmt(value)} {unit}</title></rect>");
                if (stacked)
                {
                    baseY = y;
                }
            }

            html.Append($"<text class=\"axis-label\" x=\"{F(Left + (slot * i) + (slot / 2))}\" y=\"{F(Height - Bottom + 16)}\" text-anchor=\"middle\">{labels[i]}</text>");
        }

        return Close(html);
    }

    /// <summary>Timelines longer than this many cells are drawn with several buckets per cell (a week: one cell per hour).</summary>
    public const int MaxDrawnCells = 192;

    /// <summary>
    /// A 15-minute timeline: one cell per bucket (per hour beyond two days, to keep pages light), dark when the engine
    /// ran mostly working, amber when mostly idle, grey when off; intensity follows the share of the cell's time the
    /// engine ran.
    /// </summary>
    public static HtmlContent Timeline(string label, long[] operatingMs, long[] idleMs, long startMs, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(operatingMs);
        ArgumentNullException.ThrowIfNull(idleMs);
        ArgumentNullException.ThrowIfNull(zone);
        const double W = 720;
        const double H = 34;
        const double BarH = 18;
        int cells = operatingMs.Length;
        int group = Math.Max(1, (cells + MaxDrawnCells - 1) / MaxDrawnCells);
        long groupMs = group * Domain.BucketMath.BucketMs;
        double cellW = cells == 0 ? W : W / cells;
        var html = new HtmlBuilder();
        html.Append($"<svg class=\"timeline\" data-chart=\"timeline\" viewBox=\"0 0 {F(W)} {F(H)}\" role=\"img\" preserveAspectRatio=\"none\"><title>{(group == 1 ? "15-minute" : "Hourly")} timeline of {label}</title>");
        html.Append($"<rect class=\"t-off\" x=\"0\" y=\"0\" width=\"{F(W)}\" height=\"{F(BarH)}\"/>");
        for (int first = 0; first < cells; first += group)
        {
            long op = 0;
            long idle = 0;
            for (int i = first; i < Math.Min(cells, first + group); i++)
            {
                op += operatingMs[i];
                idle += idleMs[i];
            }

            if (op <= 0 && idle <= 0)
            {
                continue;
            }

            double share = Math.Clamp((double)Math.Max(op, idle) / groupMs, 0, 1);
            int level = share switch { < 0.25 => 1, < 0.5 => 2, < 0.75 => 3, _ => 4 };
            string state = idle * 2 >= op ? "t-idle" : "t-work";
            string at = LocalTime(startMs + (first * Domain.BucketMath.BucketMs), zone, "MM-dd HH:mm");
            html.Append($"<rect class=\"{state} l{level}\" x=\"{F(first * cellW)}\" y=\"0\" width=\"{F(Math.Max(cellW * group, 0.5))}\" height=\"{F(BarH)}\"><title>{at} · operating {Minutes(op)} min, idle {Minutes(idle)} min</title></rect>");
        }

        int perDay = (int)(Domain.BucketMath.DayMs / Domain.BucketMath.BucketMs);
        int tickEvery = cells <= perDay * 2 ? 12 : perDay;
        for (int i = 0; i <= cells; i += tickEvery)
        {
            double x = i * cellW;
            string text = LocalTime(startMs + (i * Domain.BucketMath.BucketMs), zone, tickEvery == perDay ? "MM-dd" : "HH:mm");
            string anchor = i == 0 ? "start" : i >= cells ? "end" : "middle";
            html.Append($"<line class=\"tick\" x1=\"{F(x)}\" y1=\"{F(BarH)}\" x2=\"{F(x)}\" y2=\"{F(BarH + 4)}\"/><text class=\"axis-label\" x=\"{F(x)}\" y=\"{F(H - 2)}\" text-anchor=\"{anchor}\">{text}</text>");
        }

        html.Append($"</svg>");
        return html.ToContent();
    }

    /// <summary>Horizontal bars, one per item (consumer lag per partition, DLQ counts per reason).</summary>
    public static HtmlContent HorizontalBars(string title, IReadOnlyList<(string Label, double Value)> items, string unit, string cssClass, string kind)
    {
        ArgumentNullException.ThrowIfNull(items);
        const double RowH = 22;
        const double LabelW = 220;
        double height = Math.Max(1, items.Count) * RowH + 36;
        double max = 0;
        foreach ((_, double value) in items)
        {
            max = Math.Max(max, value);
        }

        (double top, _) = NiceScale(max);
        var html = new HtmlBuilder();
        html.Append($"<figure class=\"chart\"><svg class=\"chart-svg\" data-chart=\"{kind}\" viewBox=\"0 0 {F(Width)} {F(height)}\" role=\"img\"><title>{title}</title>");
        if (items.Count == 0)
        {
            html.Append($"<text class=\"empty\" x=\"{F(Width / 2)}\" y=\"{F(height / 2)}\" text-anchor=\"middle\">no data yet</text>");
        }

        double plotW = Width - LabelW - 80;
        for (int i = 0; i < items.Count; i++)
        {
            double y = 8 + (i * RowH);
            double w = top <= 0 ? 0 : plotW * Math.Max(0, items[i].Value) / top;
            html.Append($"<text class=\"axis-label\" x=\"{F(LabelW - 6)}\" y=\"{F(y + 14)}\" text-anchor=\"end\">{items[i].Label}</text>");
            html.Append($"<rect class=\"{cssClass}\" x=\"{F(LabelW)}\" y=\"{F(y + 2)}\" width=\"{F(w)}\" height=\"{F(RowH - 6)}\"><title>{items[i].Label}: {Fmt(items[i].Value)} {unit}</title></rect>");
            html.Append($"<text class=\"value-label\" x=\"{F(LabelW + w + 6)}\" y=\"{F(y + 14)}\">{Fmt(items[i].Value)}</text>");
        }

        html.Append($"</svg><figcaption>{title}</figcaption></figure>");
        return html.ToContent();
    }

    /// <summary>A line over time (throughput), with the area under it shaded.</summary>
    public static HtmlContent Line(string title, IReadOnlyList<(DateTimeOffset At, double Value)> points, string unit, string kind)
    {
        ArgumentNullException.ThrowIfNull(points);
        double max = 0;
        foreach ((_, double value) in points)
        {
            max = Math.Max(max, value);
        }

        (double top, double step) = NiceScale(max);
        var html = Open(title, kind);
        YAxis(html, top, step, unit);
        double plotWidth = Width - Left - Right;
        double plotHeight = Height - Top - Bottom;
        if (points.Count < 2)
        {
            html.Append($"<text class=\"empty\" x=\"{F(Width / 2)}\" y=\"{F(Height / 2)}\" text-anchor=\"middle\">collecting samples…</text>");
            return Close(html);
        }

        long t0 = points[0].At.ToUnixTimeMilliseconds();
        long t1 = Math.Max(t0 + 1, points[^1].At.ToUnixTimeMilliseconds());
        var line = new System.Text.StringBuilder();
        foreach ((DateTimeOffset at, double value) in points)
        {
            double x = Left + (plotWidth * (at.ToUnixTimeMilliseconds() - t0) / (t1 - t0));
            double y = Top + plotHeight - (top <= 0 ? 0 : plotHeight * value / top);
            line.Append(F(x)).Append(',').Append(F(y)).Append(' ');
        }

        string pts = line.ToString().TrimEnd();
        string area = string.Create(CultureInfo.InvariantCulture, $"{F(Left)},{F(Top + plotHeight)} {pts} {F(Left + plotWidth)},{F(Top + plotHeight)}");
        html.Append($"<polygon class=\"s-area\" points=\"{area}\"/><polyline class=\"s-line\" points=\"{pts}\"/>");
        (DateTimeOffset lastAt, double lastValue) = points[^1];
        html.Append($"<circle class=\"s-point\" cx=\"{F(Left + plotWidth)}\" cy=\"{F(Top + plotHeight - (top <= 0 ? 0 : plotHeight * lastValue / top))}\" r=\"3\"><title>{lastAt:HH:mm:ss} UTC: {Fmt(lastValue)} {unit}</title></circle>");
        html.Append($"<text class=\"axis-label\" x=\"{F(Left)}\" y=\"{F(Height - Bottom + 16)}\">{points[0].At:HH:mm:ss}</text>");
        html.Append($"<text class=\"axis-label\" x=\"{F(Left + plotWidth)}\" y=\"{F(Height - Bottom + 16)}\" text-anchor=\"end\">{lastAt:HH:mm:ss} UTC</text>");
        return Close(html);
    }

    /// <summary>A histogram's buckets as bars (labels "≤ bound", the last "&gt; highest bound").</summary>
    public static HtmlContent Histogram(string title, IReadOnlyList<double> bounds, IReadOnlyList<long> counts, string unit, string kind)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(counts);
        var labels = new List<string>(counts.Count);
        var values = new List<double>(counts.Count);
        for (int i = 0; i < counts.Count; i++)
        {
            labels.Add(i < bounds.Count ? "≤" + Fmt(bounds[i]) : ">" + Fmt(bounds[^1]));
            values.Add(counts[i]);
        }

        return Bars(title, labels, [new ChartSeries("count", "s-hist", values)], unit, stacked: true, kind);
    }

    internal static string F(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Fmt(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 1 ? value.ToString("0.##", CultureInfo.InvariantCulture)
        : value.ToString("0.####", CultureInfo.InvariantCulture);

    internal static string LocalTime(long utcMs, TimeZoneInfo zone, string format) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(utcMs), zone).ToString(format, CultureInfo.InvariantCulture);

    private static string Minutes(long ms) => (ms / 60000.0).ToString("0.#", CultureInfo.InvariantCulture);

    private static HtmlBuilder Open(string title, string kind)
    {
        var html = new HtmlBuilder();
        html.Append($"<figure class=\"chart\"><svg class=\"chart-svg\" data-chart=\"{kind}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" role=\"img\"><title>{title}</title>");
        return html;
    }

    private static HtmlContent Close(HtmlBuilder html)
    {
        html.Append($"</svg></figure>");
        return html.ToContent();
    }

    private static void Legend(HtmlBuilder html, IReadOnlyList<ChartSeries> series)
    {
        double x = Left;
        foreach (ChartSeries s in series)
        {
            html.Append($"<rect class=\"{s.CssClass} legend-key\" x=\"{F(x)}\" y=\"8\" width=\"12\" height=\"12\"/><text class=\"legend\" x=\"{F(x + 16)}\" y=\"18\">{s.Name}</text>");
            x += 24 + (s.Name.Length * 7);
        }
    }

    private static void YAxis(HtmlBuilder html, double top, double step, string unit)
    {
        double plotHeight = Height - Top - Bottom;
        for (double v = 0; v <= top + (step / 2); v += step)
        {
            double y = Top + plotHeight - (top <= 0 ? 0 : plotHeight * v / top);
            html.Append($"<line class=\"grid\" x1=\"{F(Left)}\" y1=\"{F(y)}\" x2=\"{F(Width - Right)}\" y2=\"{F(y)}\"/><text class=\"axis-label\" x=\"{F(Left - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Fmt(v)}</text>");
        }

        html.Append($"<text class=\"axis-unit\" x=\"4\" y=\"{F(Top - 10)}\">{unit}</text>");
    }

    /// <summary>An axis top and tick step of 1, 2 or 5 × 10^k giving about five ticks.</summary>
    internal static (double Top, double Step) NiceScale(double max)
    {
        if (max <= 0 || double.IsNaN(max) || double.IsInfinity(max))
        {
            return (1, 0.25);
        }

        double raw = max / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
        return (Math.Ceiling(max / step) * step, step);
    }
}

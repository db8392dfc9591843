using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryPipeline.Perf.Load;

/// <summary>The table, the targets, the JSON and the SVG chart of a load run.</summary>
internal static class LoadReport
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string OneLine(ContenderResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"{r.Name}: {r.Events:N0} events in {r.ActiveSeconds:0.00} s = {r.EventsPerSecond:N0}/s; latency p50 {r.Latency.P50Ms:0} ms p99 {r.Latency.P99Ms:0} ms max {r.Latency.MaxMs:0} ms; " +
        $"Redis calls/1k {Opt(r.RedisCallsPer1000, "0.###")}, B/id {Opt(r.RedisBytesPerRememberedId, "0.0")}; alloc {r.AllocatedBytesPerEvent:0} B/event, GC {r.Gen0}/{r.Gen1}/{r.Gen2}; CPU {r.CpuSeconds:0.00} s ({r.CpuMicrosecondsPerEvent:0.0} µs/event), Redis CPU {Opt(r.RedisCpuSeconds, "0.00")} s");

    /// <summary>A Markdown table (it reads as a plain table on a console too).</summary>
    public static string Table(LoadRunResult run)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| contender | events | events/s | p50 ms | p99 ms | max ms | Redis calls / 1k events | Redis B / remembered id | alloc B / event | GC 0/1/2 | CPU s | CPU µs / event | Redis CPU s |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        IEnumerable<ContenderResult> rows = run.Paced is null ? run.Contenders : [.. run.Contenders, run.Paced];
        foreach (ContenderResult r in rows)
        {
            string name = r.Paced is { } p ? string.Create(CultureInfo.InvariantCulture, $"{r.Name} @ {p.TargetRate:N0}/s") : r.Name;
            sb.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {r.Events:N0} | {r.EventsPerSecond:N0} | {r.Latency.P50Ms:0} | {r.Latency.P99Ms:0} | {r.Latency.MaxMs:0} | {Opt(r.RedisCallsPer1000, "0.###")} | {Opt(r.RedisBytesPerRememberedId, "0.0")} | {r.AllocatedBytesPerEvent:0} | {r.Gen0}/{r.Gen1}/{r.Gen2} | {r.CpuSeconds:0.00} | {r.CpuMicrosecondsPerEvent:0.0} | {Opt(r.RedisCpuSeconds, "0.00")} |"));
        }

        sb.AppendLine();
        sb.AppendLine("Latency is produce timestamp → durable in Redis (bare: → consumed). In the drain rows everything was produced before the contender started, so it is mostly time spent waiting in the backlog; the paced row is the latency figure.");
        return sb.ToString();
    }

    public static string TargetsTable(IEnumerable<TargetResult> targets)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| target | measured | met | note |");
        sb.AppendLine("|---|---|---|---|");
        foreach (TargetResult t in targets)
        {
            sb.AppendLine($"| {t.Target} | {t.Measured} | {(t.Met is null ? "n/a" : t.Met.Value ? "yes" : "**no**")} | {t.Note} |");
        }

        return sb.ToString();
    }

    public static List<TargetResult> CheckTargets(LoadRunResult run)
    {
        ContenderResult? bare = run.Contenders.Find(static c => c.Name == "bare");
        ContenderResult? naive = run.Contenders.Find(static c => c.Name == "naive");
        ContenderResult? tp = run.Contenders.Find(static c => c.Name == "tp");
        var targets = new List<TargetResult>();
        if (tp is null)
        {
            targets.Add(new TargetResult("all", "no tp contender", null, "run with --contenders including tp"));
            return targets;
        }

        targets.Add(bare is null
            ? new TargetResult("tp ≥ 50% of bare events/s", "no bare run", null, string.Empty)
            : Ratio("tp ≥ 50% of bare events/s", tp.EventsPerSecond / bare.EventsPerSecond, 0.5, "{0:P0} of bare"));
        targets.Add(naive is null
            ? new TargetResult("tp ≥ 5× naive events/s", "no naive run", null, string.Empty)
            : Ratio("tp ≥ 5× naive events/s", tp.EventsPerSecond / naive.EventsPerSecond, 5, "{0:0.0}× naive"));
        targets.Add(new TargetResult(
            "≤ 1 Redis call per 1,000 events",
            Opt(tp.RedisCallsPer1000, "0.###"),
            tp.RedisCallsPer1000 <= 1,
            string.Create(CultureInfo.InvariantCulture, $"{tp.RedisCommands} calls for {tp.Events:N0} events, mean batch {tp.Counters.GetValueOrDefault("mean_batch_size"):0}")));
        targets.Add(new TargetResult(
            "≤ 24 B Redis memory per remembered event id",
            Opt(tp.RedisBytesPerRememberedId, "0.0") + " B",
            tp.RedisBytesPerRememberedId <= 24,
            string.Create(CultureInfo.InvariantCulture, $"dedupe sets alone: {tp.RememberedIds:N0} ids in {tp.RememberedIdKeys:N0} sets ({tp.RememberedIds / (double)Math.Max(tp.RememberedIdKeys, 1):0.0} per set); all state {Opt(tp.RedisStateBytesPerRememberedId, "0.0")} B/id; naive {Opt(naive?.RedisBytesPerRememberedId, "0.0")} B/id")));
        if (run.Paced is { Paced: { } paced } p)
        {
            targets.Add(new TargetResult(
                "p99 ≤ 250 ms at half of the maximum rate",
                string.Create(CultureInfo.InvariantCulture, $"{p.Latency.P99Ms:0} ms overall, {p.Latency.SteadyP99Ms:0} ms after the first 2 s, at {paced.ProducedRate:N0}/s"),
                p.Latency.P99Ms <= 250,
                string.Create(CultureInfo.InvariantCulture, $"rate {paced.Basis}; p50 {p.Latency.P50Ms:0} ms, max {p.Latency.MaxMs:0} ms; producer at most {paced.ProducerMaxBehindMs:0} ms behind schedule, broker acks within {paced.ProducerFirstSecondMaxAckMs:0} ms in the first second and {paced.ProducerMaxAckMsAfter:0} ms after; per-second p99 in the JSON (latency.perSecond)")));
        }
        else
        {
            targets.Add(new TargetResult("p99 ≤ 250 ms at half of the maximum rate", "no paced run", null, string.Empty));
        }

        return targets;
    }

    /// <summary>Writes <c>{label}-{time}.json</c> and <c>.svg</c>, and the same as <c>{label}-latest.*</c>; returns the JSON path.</summary>
    public static string Write(LoadRunResult run, string directory)
    {
        Directory.CreateDirectory(directory);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string json = JsonSerializer.Serialize(run, Json);
        string svg = Svg(run);
        string label = run.Options.Label;
        string path = Path.Combine(directory, $"{label}-{stamp}.json");
        File.WriteAllText(path, json);
        File.WriteAllText(Path.Combine(directory, $"{label}-{stamp}.svg"), svg);
        File.WriteAllText(Path.Combine(directory, $"{label}-latest.json"), json);
        File.WriteAllText(Path.Combine(directory, $"{label}-latest.svg"), svg);
        File.WriteAllText(Path.Combine(directory, $"{label}-latest.md"), Table(run) + Environment.NewLine + TargetsTable(run.Targets));
        return path;
    }

    /// <summary>Two bar charts side by side: events/s and p99 latency per contender (hand-written SVG, no dependency).</summary>
    public static string Svg(LoadRunResult run)
    {
        List<ContenderResult> rows = run.Paced is null ? run.Contenders : [.. run.Contenders, run.Paced];
        const int Width = 960;
        const int PanelWidth = 440;
        const int RowHeight = 34;
        int height = 90 + (rows.Count * RowHeight) + 40;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">"));
        sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        string title = string.Create(
            CultureInfo.InvariantCulture,
            $"TelemetryPipeline load: {run.Dataset.Events:N0} events, {run.Options.Partitions} partitions/topic, load average {string.Join(' ', run.LoadAverageStart.Select(static l => l.ToString("0.0", CultureInfo.InvariantCulture)))}");
        sb.AppendLine($"<text x=\"20\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{SecurityElement.Escape(title)}</text>");
        Panel(sb, rows, 20, "events / s (from partitions assigned to last record durable)", static r => r.EventsPerSecond, "#3b7dd8", PanelWidth, log: false);
        Panel(sb, rows, 40 + PanelWidth, "p99 latency, ms, log scale (drain rows: backlog wait)", static r => r.Latency.P99Ms, "#d8813b", PanelWidth, log: true);
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, List<ContenderResult> rows, int x, string caption, Func<ContenderResult, double> value, string color, int width, bool log)
    {
        // Latencies span 50 ms (paced) to minutes (backlog waits): a log scale keeps the paced bar visible.
        Func<double, double> scale = log ? static v => Math.Log10(1 + Math.Max(v, 0)) : static v => v;
        const int LabelWidth = 110;
        double max = 0;
        foreach (ContenderResult r in rows)
        {
            double v = value(r);
            max = double.IsFinite(v) ? Math.Max(max, scale(v)) : max;
        }

        max = max <= 0 ? 1 : max;
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"62\" font-weight=\"bold\">{SecurityElement.Escape(caption)}</text>"));
        for (int i = 0; i < rows.Count; i++)
        {
            ContenderResult r = rows[i];
            double v = value(r);
            int y = 80 + (i * 34);
            double barWidth = double.IsFinite(v) ? (width - LabelWidth - 70) * scale(v) / max : 0;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y + 17}\">{SecurityElement.Escape(r.Name)}</text>"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{x + LabelWidth}\" y=\"{y + 4}\" width=\"{barWidth:0.0}\" height=\"20\" fill=\"{color}\"/>"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x + LabelWidth + barWidth + 6:0.0}\" y=\"{y + 19}\">{(double.IsFinite(v) ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a")}</text>"));
        }
    }

    private static Func<double, string> Fmt(string format) => v => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Opt(double? value, string format) => value is { } v && double.IsFinite(v) ? Fmt(format)(v) : "–";

    private static TargetResult Ratio(string target, double ratio, double bound, string format) =>
        new(target, string.Format(CultureInfo.InvariantCulture, format, ratio), ratio >= bound, string.Empty);
}

using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Metrics;
using TelemetryPipeline.Web.Pipeline;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Pages;

/// <summary>The data engineer's page: throughput, lag, batches, Redis, the DLQ and settlement runs, refreshed live.</summary>
internal static class PipelinePage
{
    private const int DeadLettersShown = 20;
    private const int RunsShown = 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/pipeline", PageAsync).RequireAuthorization(WebAuth.ViewerPolicy).ExcludeFromDescription();
        app.MapGet("/pipeline/live", async (HttpContext context, [FromServices] PipelineSampler sampler, [FromServices] PrometheusExporter exporter, [FromServices] TelemetryPipelineWebDependencies deps) =>
            {
                PipelineStatus status = await StatusAsync(sampler, exporter, deps, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(new LiveFragment(Fragment(status).Value, status.At));
            })
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .ExcludeFromDescription();
        app.MapGet("/api/pipeline", async (HttpContext context, [FromServices] PipelineSampler sampler, [FromServices] PrometheusExporter exporter, [FromServices] TelemetryPipelineWebDependencies deps) =>
                TypedResults.Ok(await StatusAsync(sampler, exporter, deps, context.RequestAborted).ConfigureAwait(false)))
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .WithName("GetPipelineStatus")
            .WithSummary("Throughput, consumer lag per partition, batch sizes and durations, Redis latency and calls per 1,000 events, DLQ counts and latest rejected records, settlement runs.")
            .Produces<PipelineStatus>();
    }

    internal static async Task<PipelineStatus> StatusAsync(PipelineSampler sampler, PrometheusExporter exporter, TelemetryPipelineWebDependencies deps, CancellationToken ct)
    {
        sampler.SampleIfStale();
        IReadOnlyList<SettlementRunRecord> runs = await deps.Ledger.ListSettlementRunsAsync(RunsShown, ct).ConfigureAwait(false);
        return PipelineStatus.Build(exporter.Collect(), sampler.Throughput(), deps.DeadLetters(DeadLettersShown), runs);
    }

    private static async Task<IResult> PageAsync(HttpContext context, [FromServices] PipelineSampler sampler, [FromServices] PrometheusExporter exporter, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        PipelineStatus status = await StatusAsync(sampler, exporter, deps, context.RequestAborted).ConfigureAwait(false);
        var html = new HtmlBuilder();
        html.Append($"<section id=\"live\" data-live=\"/pipeline/live\">");
        html.Append(Fragment(status));
        html.Append($"</section>");
        if (WebAuth.Role(context.User) >= WebRole.Admin)
        {
            html.Append(AdminPage.SettleForm(context, deps));
        }

        return Layout.Page(context, "Pipeline", "Pipeline", html.ToContent());
    }

    internal static HtmlContent Fragment(PipelineStatus s)
    {
        var html = new HtmlBuilder();
        PipelineCounters c = s.Counters;
        html.Append($"<p class=\"updated\">Updated {Layout.Time(s.At)} · totals since this process started; the same numbers are on /metrics.</p><div class=\"cards\">");
        Card(html, "Events/s", s.EventsPerSecond is { } eps ? SvgCharts.Fmt(eps) : "–");
        Card(html, "Consumed", SvgCharts.Fmt(c.Consumed));
        Card(html, "Applied", SvgCharts.Fmt(c.Applied));
        Card(html, "Duplicates", SvgCharts.Fmt(c.Deduplicated));
        Card(html, "Rejected (DLQ)", SvgCharts.Fmt(c.Rejected));
        Card(html, "Batches", SvgCharts.Fmt(c.Batches));
        Card(html, "Redis calls / 1,000 events", s.RedisCallsPer1000Events is { } rc ? SvgCharts.Fmt(rc) : "–");
        Card(html, "Commit errors", SvgCharts.Fmt(c.CommitErrors));
        html.Append($"</div>");

        html.Append($"<div class=\"charts\">");
        html.Append(SvgCharts.Line("Throughput (events consumed per second)", s.Throughput.Select(static p => (p.At, p.EventsPerSecond)).ToList(), "events/s", "throughput"));
        html.Append(SvgCharts.HorizontalBars(
            "Consumer lag per partition (messages behind the high watermark)",
            s.Lag.Select(static l => (string.Create(CultureInfo.InvariantCulture, $"{l.Topic} [{l.Partition}]"), l.Lag)).ToList(),
            "messages",
            "s-lag",
            "lag"));
        html.Append($"</div>");

        html.Append($"<h2>Batches and Redis</h2><table id=\"latency\"><thead><tr><th>Measure</th><th class=\"num\">Count</th><th class=\"num\">Mean</th><th class=\"num\">p50</th><th class=\"num\">p99</th></tr></thead><tbody>");
        Row(html, "Batch size (records)", s.BatchSize, 1);
        Row(html, "Batch duration, consume → commit (ms)", s.BatchDurationSeconds, 1000);
        Row(html, "Redis dedupe+buckets call (ms)", s.RedisApplySeconds, 1000);
        html.Append($"</tbody></table>");
        html.Append($"<div class=\"charts\">");
        if (s.BatchSize is { } bs)
        {
            html.Append(SvgCharts.Histogram("Batch size distribution (records per batch)", bs.UpperBounds, bs.BucketCounts, "batches", "batch-size"));
        }

        if (s.RedisApplySeconds is { } ra)
        {
            html.Append(SvgCharts.Histogram("Redis call latency distribution (seconds)", ra.UpperBounds, ra.BucketCounts, "calls", "redis-latency"));
        }

        html.Append($"</div>");

        html.Append($"<h2>Dead-letter queue</h2><div class=\"charts\">");
        html.Append(SvgCharts.HorizontalBars("Rejected records by reason", s.RejectedByReason.Select(static r => (r.Label, r.Count)).ToList(), "records", "s-dlq", "dlq"));
        if (s.MeterIncidents.Count > 0)
        {
            html.Append(SvgCharts.HorizontalBars("Meter incidents by kind", s.MeterIncidents.Select(static r => (r.Label, r.Count)).ToList(), "readings", "s-idle", "incidents"));
        }

        html.Append($"</div><h3>Latest rejected records</h3><table id=\"dead-letters\"><thead><tr><th>Rejected</th><th>Reason</th><th>Detail</th><th>Topic</th><th class=\"num\">Partition</th><th class=\"num\">Offset</th><th>Payload</th></tr></thead><tbody>");
        foreach (DeadLetterDto d in s.DeadLetters)
        {
            html.Append($"<tr><td>{Layout.Time(d.RejectedAt)}</td><td><span class=\"badge k-dlq\">{d.Reason}</span></td><td>{d.Detail}</td><td>{d.Topic}</td><td class=\"num\">{d.Partition}</td><td class=\"num\">{d.Offset}</td><td><details><summary>{d.PayloadBytes} bytes{(d.Key is null ? string.Empty : ", key " + d.Key)}</summary>");
            if (d.PayloadJson is not null)
            {
                html.Append($"<pre class=\"json\">{d.PayloadJson}</pre>");
            }

            html.Append($"<pre class=\"hex\">{d.PayloadHex}</pre></details></td></tr>");
        }

        if (s.DeadLetters.Count == 0)
        {
            html.Append($"<tr><td colspan=\"7\" class=\"empty\">No record rejected since this process started.</td></tr>");
        }

        html.Append($"</tbody></table>");

        html.Append($"<h2>Settlement runs</h2><table id=\"runs\"><thead><tr><th class=\"num\">Run</th><th>Started</th><th class=\"num\">Took</th><th>Settled as of</th><th>Periods</th><th class=\"num\">Staged</th><th class=\"num\">Exceptions</th><th>Instance</th></tr></thead><tbody>");
        foreach (SettlementRunDto run in s.Runs)
        {
            double seconds = (run.FinishedAt - run.StartedAt).TotalSeconds;
            html.Append($"<tr><td class=\"num\">{run.Id}</td><td>{Layout.Time(run.StartedAt)}</td><td class=\"num\">{seconds:0.0} s</td><td>{Layout.Time(run.NowUsed)}</td><td>{run.PeriodFrom ?? "–"} … {run.PeriodTo ?? "–"}</td><td class=\"num\">{run.Staged}</td><td class=\"num\">{run.Exceptions}</td><td>{run.Instance}</td></tr>");
        }

        if (s.Runs.Count == 0)
        {
            html.Append($"<tr><td colspan=\"8\" class=\"empty\">No settlement has run yet.</td></tr>");
        }

        html.Append($"</tbody></table>");
        return html.ToContent();
    }

    private static void Row(HtmlBuilder html, string label, HistogramSummary? h, double scale)
    {
        if (h is null)
        {
            html.Append($"<tr><td>{label}</td><td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td></tr>");
            return;
        }

        html.Append($"<tr><td>{label}</td><td class=\"num\">{h.Count}</td><td class=\"num\">{Scaled(h.Mean, scale)}</td><td class=\"num\">{Scaled(h.P50, scale)}</td><td class=\"num\">{Scaled(h.P99, scale)}</td></tr>");
    }

    private static string Scaled(double? value, double scale) => value is { } v ? SvgCharts.Fmt(v * scale) : "–";

    private static void Card(HtmlBuilder html, string label, string value) =>
        html.Append($"<div class=\"card\"><div class=\"card-label\">{label}</div><div class=\"card-value\">{value}</div></div>");
}

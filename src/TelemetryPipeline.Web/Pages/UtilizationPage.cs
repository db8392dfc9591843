using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Utilization;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Pages;

/// <summary>
/// Utilization per project and machine for a day or a week: charts, sortable tables, and what needs fixing. The live
/// section refreshes in place every <see cref="WebOptions.RefreshSeconds"/>.
/// </summary>
internal static class UtilizationPage
{
    public const int MaxMachinesShown = 150;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/utilization", PageAsync).RequireAuthorization(WebAuth.ViewerPolicy).ExcludeFromDescription();
        app.MapGet("/utilization/live", LiveAsync).RequireAuthorization(WebAuth.ViewerPolicy).ExcludeFromDescription();
        app.MapGet("/api/utilization", ApiAsync)
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .WithName("GetUtilization")
            .WithSummary("Operating / idle / working hours and fuel per project, machine and day, with 15-minute timelines and the issues to fix.")
            .WithDescription("day: yyyy-MM-dd (default today, UTC); range: day|week (a week ends on day); project: one project code.")
            .Produces<UtilizationReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> PageAsync(HttpContext context, [AsParameters] UtilizationArgs args, [FromServices] UtilizationService service, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        if (!args.TryParse(deps.Clock, out DateOnly from, out DateOnly to, out string? error))
        {
            return Layout.Page(context, "Utilization", "Utilization", Layout.Notice("error", error), StatusCodes.Status400BadRequest);
        }

        UtilizationReport report = await service.GetAsync(from, to, args.Project, context.RequestAborted).ConfigureAwait(false);
        MasterDataSnapshot snapshot = deps.MasterData();
        var html = new HtmlBuilder();
        string day = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string range = args.IsWeek ? "week" : "day";
        html.Append($"<form class=\"filters\" method=\"get\" action=\"/utilization\"><label>Day <input type=\"date\" name=\"day\" value=\"{day}\"></label>");
        html.Append($"<label>Range <select name=\"range\"><option value=\"day\"{Selected(!args.IsWeek)}>day</option><option value=\"week\"{Selected(args.IsWeek)}>week ending that day</option></select></label>");
        html.Append($"<label>Project <select name=\"project\"><option value=\"\">all projects</option>");
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ProjectUsage p in report.Projects)
        {
            if (p.ProjectCode is not null)
            {
                codes.Add(p.ProjectCode);
            }
        }

        foreach (var assignment in snapshot.Assignments)
        {
            codes.Add(assignment.ProjectCode);
        }

        if (report.ProjectFilter is not null)
        {
            codes.Add(report.ProjectFilter);
        }

        foreach (string code in codes)
        {
            html.Append($"<option value=\"{code}\"{Selected(code == report.ProjectFilter)}>{code}</option>");
        }

        html.Append($"</select></label><button type=\"submit\">Show</button></form>");
        string live = string.Create(CultureInfo.InvariantCulture, $"/utilization/live?day={day}&range={range}&project={Uri.EscapeDataString(report.ProjectFilter ?? string.Empty)}");
        html.Append($"<section id=\"live\" data-live=\"{live}\">");
        html.Append(Fragment(report));
        html.Append($"</section>");
        return Layout.Page(context, "Utilization", "Utilization", html.ToContent());
    }

    private static async Task<IResult> LiveAsync(HttpContext context, [AsParameters] UtilizationArgs args, [FromServices] UtilizationService service, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        if (!args.TryParse(deps.Clock, out DateOnly from, out DateOnly to, out string? error))
        {
            return AllocationApi.Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        UtilizationReport report = await service.GetAsync(from, to, args.Project, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(new LiveFragment(Fragment(report).Value, report.GeneratedAt));
    }

    private static async Task<IResult> ApiAsync(HttpContext context, [AsParameters] UtilizationArgs args, [FromServices] UtilizationService service, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        if (!args.TryParse(deps.Clock, out DateOnly from, out DateOnly to, out string? error))
        {
            return AllocationApi.Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        return TypedResults.Ok(await service.GetAsync(from, to, args.Project, context.RequestAborted).ConfigureAwait(false));
    }

    internal static HtmlContent Fragment(UtilizationReport report)
    {
        var html = new HtmlBuilder();
        TimeZoneInfo zone = FindZone(report.TimeZone);
        UsageTotals t = report.Totals;
        html.Append($"<p class=\"updated\">Updated {Layout.Time(report.GeneratedAt)} · days are project-local; timelines in {report.TimeZone}.</p>");
        html.Append($"<div class=\"cards\">");
        Card(html, "Operating", Layout.Hours(t.OperatingMs) + " h");
        Card(html, "Working", Layout.Hours(t.WorkingMs) + " h");
        Card(html, "Idle", Layout.Hours(t.IdleMs) + " h");
        Card(html, "Idle share", Layout.Percent(t.IdlePercent));
        Card(html, "Fuel burned", Layout.Liters(t.FuelBurnMl) + " L");
        Card(html, "Fuel filled", Layout.Liters(t.FuelFillMl) + " L");
        Card(html, "Issues", report.Issues.Count.ToString(CultureInfo.InvariantCulture));
        html.Append($"</div><div class=\"charts\">");

        bool perDay = report.Days.Count > 1;
        var labels = new List<string>();
        var working = new List<double>();
        var idle = new List<double>();
        var burned = new List<double>();
        var filled = new List<double>();
        if (perDay)
        {
            foreach (DayUsage d in report.Days)
            {
                labels.Add(d.Day.ToString("ddd MM-dd", CultureInfo.InvariantCulture));
                AddTotals(d.Totals);
            }
        }
        else
        {
            foreach (ProjectUsage p in report.Projects)
            {
                labels.Add(p.ProjectCode ?? "(none)");
                AddTotals(p.Totals);
            }
        }

        string by = perDay ? "per day" : "per project";
        html.Append(SvgCharts.Bars(
            $"Working and idle hours {by}",
            labels,
            [new ChartSeries("working", "s-working", working), new ChartSeries("idle", "s-idle", idle)],
            "h",
            stacked: true,
            "stacked-bars"));
        html.Append(SvgCharts.Bars(
            $"Fuel burned vs filled {by}",
            labels,
            [new ChartSeries("burned", "s-burn", burned), new ChartSeries("filled", "s-fill", filled)],
            "L",
            stacked: false,
            "grouped-bars"));
        html.Append($"</div>");

        html.Append($"<h2>Projects</h2><table class=\"sortable\" id=\"projects\"><thead><tr><th>Project</th><th>Name</th><th class=\"num\">Operating h</th><th class=\"num\">Working h</th><th class=\"num\">Idle h</th><th class=\"num\">Idle %</th><th class=\"num\">Fuel burned L</th><th class=\"num\">Fuel filled L</th></tr></thead><tbody>");
        foreach (ProjectUsage p in report.Projects)
        {
            html.Append($"<tr><td>{p.ProjectCode ?? "–"}</td><td>{p.Name}</td>");
            Numbers(html, p.Totals);
            html.Append($"</tr>");
        }

        if (report.Projects.Count == 0)
        {
            html.Append($"<tr><td colspan=\"8\" class=\"empty\">No telemetry for this range.</td></tr>");
        }

        html.Append($"</tbody></table>");

        html.Append($"<h2>Machines</h2><p class=\"legend-line\"><span class=\"key t-work\"></span> working <span class=\"key t-idle\"></span> idle <span class=\"key t-off\"></span> off · darker = the engine ran more of the cell</p>");
        html.Append($"<table class=\"sortable machines\" id=\"machines\"><thead><tr><th>Machine</th><th>Identifiers</th><th>Projects</th><th>Cost codes</th><th class=\"num\">Operating h</th><th class=\"num\">Working h</th><th class=\"num\">Idle h</th><th class=\"num\">Idle %</th><th class=\"num\">Fuel burned L</th><th class=\"num\">Fuel filled L</th><th class=\"nosort timeline-col\">{(report.TimelineCells > SvgCharts.MaxDrawnCells ? "Timeline (hourly)" : "Timeline (15 min)")}</th></tr></thead><tbody>");
        // The busiest machines first; the page stays light for big fleets (all of them are in GET /api/utilization).
        List<MachineUsage> shown = [.. report.Machines.OrderByDescending(static m => m.Totals.OperatingMs).ThenBy(static m => m.Machine, StringComparer.Ordinal).Take(MaxMachinesShown)];
        foreach (MachineUsage m in shown)
        {
            string css = m.Resolved ? string.Empty : "unresolved";
            html.Append($"<tr class=\"{css}\"><td>{m.Machine}</td><td>{string.Join(", ", m.Identifiers)}</td><td>{(m.Projects.Count == 0 ? "–" : string.Join(", ", m.Projects))}</td><td>{(m.CostCodes.Count == 0 ? "–" : string.Join(", ", m.CostCodes))}</td>");
            Numbers(html, m.Totals);
            html.Append($"<td class=\"timeline-cell\">{SvgCharts.Timeline(m.Machine, m.TimelineOperatingMs, m.TimelineIdleMs, report.TimelineStartMs, zone)}</td></tr>");
        }

        if (report.Machines.Count == 0)
        {
            html.Append($"<tr><td colspan=\"11\" class=\"empty\">No machine sent telemetry in this range.</td></tr>");
        }

        html.Append($"</tbody></table>");
        if (report.Machines.Count > shown.Count)
        {
            html.Append($"<p class=\"muted\">Showing the {shown.Count} busiest of {report.Machines.Count} machines; choose a project to see the others.</p>");
        }

        html.Append($"<h2>Needs attention</h2>");
        if (report.Issues.Count == 0)
        {
            html.Append($"<p class=\"ok\">Every machine is identified, assigned and priced; no meter incidents.</p>");
        }
        else
        {
            html.Append($"<table class=\"sortable issues\" id=\"issues\"><thead><tr><th>Kind</th><th>Machine / identifier</th><th>What we see</th><th class=\"nosort\">What to do</th><th class=\"num\">Operating h</th><th class=\"num\">Idle h</th><th class=\"num\">Fuel L</th></tr></thead><tbody>");
            foreach (UtilizationIssue issue in report.Issues)
            {
                html.Append($"<tr class=\"issue-{issue.Kind}\"><td><span class=\"badge k-{issue.Kind}\">{issue.Kind}</span></td><td>{issue.Subject}</td><td>{issue.What}</td><td>{issue.Action}</td>");
                html.Append($"<td class=\"num\" data-v=\"{issue.Quantities.OperatingMs}\">{Layout.Hours(issue.Quantities.OperatingMs)}</td><td class=\"num\" data-v=\"{issue.Quantities.IdleMs}\">{Layout.Hours(issue.Quantities.IdleMs)}</td><td class=\"num\" data-v=\"{issue.Quantities.FuelBurnMl}\">{Layout.Liters(issue.Quantities.FuelBurnMl)}</td></tr>");
            }

            html.Append($"</tbody></table>");
        }

        return html.ToContent();

        void AddTotals(UsageTotals totals)
        {
            working.Add((double)AllocationHours(totals.WorkingMs));
            idle.Add((double)AllocationHours(totals.IdleMs));
            burned.Add(totals.FuelBurnMl / 1000.0);
            filled.Add(totals.FuelFillMl / 1000.0);
        }
    }

    private static decimal AllocationHours(long ms) => Ledger.AllocationExport.Hours(ms);

    private static void Numbers(HtmlBuilder html, UsageTotals t)
    {
        html.Append($"<td class=\"num\" data-v=\"{t.OperatingMs}\">{Layout.Hours(t.OperatingMs)}</td>");
        html.Append($"<td class=\"num\" data-v=\"{t.WorkingMs}\">{Layout.Hours(t.WorkingMs)}</td>");
        html.Append($"<td class=\"num\" data-v=\"{t.IdleMs}\">{Layout.Hours(t.IdleMs)}</td>");
        html.Append($"<td class=\"num\" data-v=\"{t.IdlePercent ?? -1}\">{Layout.Percent(t.IdlePercent)}</td>");
        html.Append($"<td class=\"num\" data-v=\"{t.FuelBurnMl}\">{Layout.Liters(t.FuelBurnMl)}</td>");
        html.Append($"<td class=\"num\" data-v=\"{t.FuelFillMl}\">{Layout.Liters(t.FuelFillMl)}</td>");
    }

    private static void Card(HtmlBuilder html, string label, string value) =>
        html.Append($"<div class=\"card\"><div class=\"card-label\">{label}</div><div class=\"card-value\">{value}</div></div>");

    private static HtmlContent Selected(bool selected) => selected ? new HtmlContent(" selected") : HtmlContent.Empty;

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return id == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}

/// <summary>Query of the utilization page and API: <c>day</c> (yyyy-MM-dd, default today UTC), <c>range</c> (day|week), <c>project</c>.</summary>
internal sealed record UtilizationArgs(
    [FromQuery(Name = "day")] string? Day,
    [FromQuery(Name = "range")] string? Range,
    [FromQuery(Name = "project")] string? Project)
{
    public bool IsWeek => string.Equals(Range?.Trim(), "week", StringComparison.OrdinalIgnoreCase);

    public bool TryParse(TimeProvider clock, out DateOnly from, out DateOnly to, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        from = to = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        string range = string.IsNullOrWhiteSpace(Range) ? "day" : Range.Trim().ToLowerInvariant();
        if (range != "day" && range != "week")
        {
            error = $"range: '{Range}' is not day or week.";
            return false;
        }

        if (!QueryParsing.TryDate(Day, "day", out DateOnly? day, out error))
        {
            return false;
        }

        to = day ?? to;
        from = range == "week" ? to.AddDays(-6) : to;
        return true;
    }
}

/// <summary>A live section's new content (already escaped HTML) and when it was computed.</summary>
public sealed record LiveFragment(string Html, DateTimeOffset GeneratedAt);

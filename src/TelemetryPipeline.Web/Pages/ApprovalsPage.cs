using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Approvals;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Pages;

/// <summary>
/// Approvals: allocations by period / project / cost code, the drill-down to lines, rates and buckets ("explain this
/// amount"), approve / reject with a comment, the audit history, posting status and exports.
/// </summary>
internal static class ApprovalsPage
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/approvals", ListAsync).RequireAuthorization(WebAuth.ApproverPolicy).ExcludeFromDescription();
        app.MapGet("/allocations/{**id}", DetailAsync).RequireAuthorization(WebAuth.ApproverPolicy).ExcludeFromDescription();
        app.MapPost("/allocations/decide", DecideAsync).RequireAuthorization(WebAuth.ApproverPolicy).ExcludeFromDescription();
    }

    private static async Task<IResult> ListAsync(HttpContext context, [AsParameters] AllocationFilter filter, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        // The page opens on what needs a decision.
        AllocationFilter effective = filter.Status is null && !context.Request.Query.ContainsKey("status") ? filter with { Status = "pending" } : filter;
        if (!QueryParsing.TryAllocationQuery(effective, 50, out AllocationQuery? query, out string? error))
        {
            return Layout.Page(context, "Approvals", "Approvals", Layout.Notice("error", error), StatusCodes.Status400BadRequest);
        }

        AllocationPage page = await deps.Ledger.ListAsync(query, context.RequestAborted).ConfigureAwait(false);
        MasterDataSnapshot snapshot = deps.MasterData();
        var html = new HtmlBuilder();
        html.Append($"<form class=\"filters\" method=\"get\" action=\"/approvals\">");
        html.Append($"<label>Status <select name=\"status\"><option value=\"\"{Sel(query.Status is null)}>any</option>");
        foreach (AllocationStatus s in Enum.GetValues<AllocationStatus>())
        {
            html.Append($"<option value=\"{s.ToWire()}\"{Sel(query.Status == s)}>{s.ToWire()}</option>");
        }

        html.Append($"</select></label>");
        html.Append($"<label>From <input type=\"date\" name=\"from\" value=\"{query.PeriodFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\"></label>");
        html.Append($"<label>To <input type=\"date\" name=\"to\" value=\"{query.PeriodTo?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\"></label>");
        html.Append($"<label>Project <input name=\"project\" value=\"{query.ProjectCode}\" size=\"10\"></label>");
        html.Append($"<label>Cost code <input name=\"costCode\" value=\"{query.CostCode}\" size=\"8\"></label>");
        html.Append($"<button type=\"submit\">Filter</button></form>");

        string exportQuery = ExportQuery(query);
        html.Append($"<p class=\"actions\">Export these: <a class=\"button\" id=\"export-csv\" href=\"/api/allocations/export?format=csv{exportQuery}\">CSV</a> <a class=\"button\" id=\"export-json\" href=\"/api/allocations/export?format=json{exportQuery}\">JSON</a></p>");

        // Totals by (period, project) over this page: where the money is.
        var groups = page.Items
            .GroupBy(static e => (e.Allocation.Period, e.Allocation.ProjectCode, e.Allocation.Currency))
            .OrderByDescending(static g => g.Key.Period).ThenBy(static g => g.Key.ProjectCode, StringComparer.Ordinal)
            .ToList();
        if (groups.Count > 0)
        {
            html.Append($"<h2>By period and project <span class=\"muted\">(allocations on this page)</span></h2><table class=\"sortable\" id=\"groups\"><thead><tr><th>Period</th><th>Project</th><th class=\"num\">Allocations</th><th class=\"num\">Operating h</th><th class=\"num\">Amount</th><th>Currency</th></tr></thead><tbody>");
            foreach (var g in groups)
            {
                long op = g.Sum(static e => e.Allocation.OperatingMs);
                decimal amount = g.Sum(static e => e.Allocation.Amount);
                html.Append($"<tr><td>{g.Key.Period:yyyy-MM-dd}</td><td>{g.Key.ProjectCode} <span class=\"muted\">{ProjectName(snapshot, g.Key.ProjectCode)}</span></td><td class=\"num\">{g.Count()}</td><td class=\"num\" data-v=\"{op}\">{Layout.Hours(op)}</td><td class=\"num\" data-v=\"{amount}\">{Layout.Money(amount)}</td><td>{g.Key.Currency}</td></tr>");
            }

            html.Append($"</tbody></table>");
        }

        html.Append($"<h2>Allocations <span class=\"muted\">({page.TotalCount} match)</span></h2>");
        html.Append($"<table class=\"sortable\" id=\"allocations\"><thead><tr><th>Allocation</th><th>Period</th><th>Project</th><th>Cost code</th><th class=\"num\">Rev</th><th>Status</th><th class=\"num\">Lines</th><th class=\"num\">Operating h</th><th class=\"num\">Idle h</th><th class=\"num\">Fuel L</th><th class=\"num\">Amount</th><th>Posting</th></tr></thead><tbody>");
        foreach (LedgerEntry entry in page.Items)
        {
            Allocation a = entry.Allocation;
            html.Append($"<tr><td><a href=\"{Layout.AllocationHref(a.AllocationId)}\">{a.AllocationId}</a></td><td>{a.Period:yyyy-MM-dd}</td><td>{a.ProjectCode}</td><td>{a.CostCode}</td><td class=\"num\">{a.Revision}</td><td>{Layout.StatusBadge(a.Status.ToWire())}</td><td class=\"num\">{a.Lines.Count}</td>");
            html.Append($"<td class=\"num\" data-v=\"{a.OperatingMs}\">{Layout.Hours(a.OperatingMs)}</td><td class=\"num\" data-v=\"{a.IdleMs}\">{Layout.Hours(a.IdleMs)}</td><td class=\"num\" data-v=\"{a.FuelMl}\">{Layout.Liters(a.FuelMl)}</td><td class=\"num\" data-v=\"{a.Amount}\">{Layout.Money(a.Amount)} {a.Currency}</td><td>{Posting(entry)}</td></tr>");
        }

        if (page.Items.Count == 0)
        {
            html.Append($"<tr><td colspan=\"12\" class=\"empty\">No allocation matches.</td></tr>");
        }

        html.Append($"</tbody></table>");
        Pager(html, query, page);
        return Layout.Page(context, "Approvals", "Approvals", html.ToContent());
    }

    private static async Task<IResult> DetailAsync(HttpContext context, string id, [FromQuery] string? done, [FromServices] AmountExplainer explainer, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        id = Uri.UnescapeDataString(id);
        AllocationExplanation? explanation = await explainer.ExplainAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (explanation is null)
        {
            return Layout.Page(context, "Allocation not found", "Approvals", Layout.Notice("error", $"No allocation {id}."), StatusCodes.Status404NotFound);
        }

        IReadOnlyList<AuditEntry> audit = await deps.Ledger.GetAuditAsync(id, context.RequestAborted).ConfigureAwait(false);
        HtmlContent? notice = done switch
        {
            "approved" => Layout.Notice("ok", $"Approved {id}."),
            "rejected" => Layout.Notice("ok", $"Rejected {id}."),
            _ => null,
        };
        return Layout.Page(context, "Allocation " + id, "Approvals", Detail(context, explanation, audit, deps.MasterData(), notice, null));
    }

    private static async Task<IResult> DecideAsync(HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] AmountExplainer explainer, [FromServices] TelemetryPipelineWebDependencies deps)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Layout.Page(context, "Form expired", "Approvals", Layout.Notice("error", "The form was missing its anti-forgery token or it expired: reload the page and try again. Nothing was changed."), StatusCodes.Status400BadRequest);
        }

        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        string id = form["id"].ToString();
        string decision = form["decision"].ToString();
        string comment = form["comment"].ToString();
        string actor = context.User.Identity?.Name ?? string.Empty;
        TransitionResult result = decision switch
        {
            "approve" => await deps.Ledger.ApproveAsync(id, actor, comment, context.RequestAborted).ConfigureAwait(false),
            "reject" => await deps.Ledger.RejectAsync(id, actor, comment, context.RequestAborted).ConfigureAwait(false),
            _ => new TransitionResult(id, TransitionOutcome.InvalidRequest, null, null, "Choose approve or reject.", null),
        };
        if (result.Succeeded)
        {
            // Post/redirect/get: a reload does not submit the decision again.
            return Results.Redirect(Layout.AllocationHref(id) + "?done=" + (decision == "approve" ? "approved" : "rejected"), permanent: false, preserveMethod: false);
        }

        AllocationExplanation? explanation = await explainer.ExplainAsync(id, context.RequestAborted).ConfigureAwait(false);
        int status = result.Outcome switch
        {
            TransitionOutcome.NotFound => StatusCodes.Status404NotFound,
            TransitionOutcome.IllegalTransition => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        if (explanation is null)
        {
            return Layout.Page(context, "Allocation not found", "Approvals", Layout.Notice("error", result.Message), status);
        }

        IReadOnlyList<AuditEntry> audit = await deps.Ledger.GetAuditAsync(id, context.RequestAborted).ConfigureAwait(false);
        return Layout.Page(context, "Allocation " + id, "Approvals", Detail(context, explanation, audit, deps.MasterData(), Layout.Notice("error", result.Message), comment), status);
    }

    private static HtmlContent Detail(
        HttpContext context, AllocationExplanation explanation, IReadOnlyList<AuditEntry> audit, MasterDataSnapshot snapshot, HtmlContent? notice, string? comment)
    {
        LedgerEntry entry = explanation.Entry;
        Allocation a = entry.Allocation;
        var html = new HtmlBuilder();
        if (notice is { } n)
        {
            html.Append(n);
        }

        html.Append($"<dl class=\"facts\"><dt>Status</dt><dd id=\"status\">{Layout.StatusBadge(a.Status.ToWire())}</dd><dt>Period</dt><dd>{a.Period:yyyy-MM-dd} <span class=\"muted\">({explanation.TimeZone})</span></dd>");
        html.Append($"<dt>Project</dt><dd>{a.ProjectCode} <span class=\"muted\">{ProjectName(snapshot, a.ProjectCode)}</span></dd><dt>Cost code</dt><dd>{a.CostCode}</dd>");
        html.Append($"<dt>Revision</dt><dd>");
        foreach (Allocation r in explanation.Revisions)
        {
            if (r.Revision == a.Revision)
            {
                html.Append($"<strong>r{r.Revision}</strong> ");
            }
            else
            {
                html.Append($"<a href=\"{Layout.AllocationHref(r.AllocationId)}\">r{r.Revision}</a> ");
            }
        }

        html.Append($"{(a.Revision > 1 ? "(this revision holds only the differences from the earlier ones)" : string.Empty)}</dd>");
        html.Append($"<dt>Amount</dt><dd class=\"amount\">{Layout.Money(a.Amount)} {a.Currency}</dd>");
        html.Append($"<dt>Quantities</dt><dd>{Layout.Hours(a.OperatingMs)} h operating · {Layout.Hours(a.IdleMs)} h idle · {Layout.Liters(a.FuelMl)} L fuel</dd>");
        html.Append($"<dt>Posting</dt><dd>{Posting(entry)}</dd><dt>Staged</dt><dd>{Layout.Time(entry.CreatedAt)} · updated {Layout.Time(entry.UpdatedAt)}</dd></dl>");

        if (a.Status == AllocationStatus.Pending)
        {
            HtmlContent token = Layout.Token(context);
            html.Append($"<div class=\"decide\"><form method=\"post\" action=\"/allocations/decide\" id=\"approve-form\">{token}<input type=\"hidden\" name=\"id\" value=\"{a.AllocationId}\"><input type=\"hidden\" name=\"decision\" value=\"approve\">");
            html.Append($"<label>Comment (optional) <input name=\"comment\" maxlength=\"4000\" size=\"40\"></label> <button type=\"submit\" class=\"approve\" id=\"approve\">Approve</button></form>");
            html.Append($"<form method=\"post\" action=\"/allocations/decide\" id=\"reject-form\">{token}<input type=\"hidden\" name=\"id\" value=\"{a.AllocationId}\"><input type=\"hidden\" name=\"decision\" value=\"reject\">");
            html.Append($"<label>Why reject? (required) <input name=\"comment\" id=\"reject-comment\" maxlength=\"4000\" size=\"40\" required value=\"{comment}\"></label> <button type=\"submit\" class=\"reject\" id=\"reject\">Reject</button></form></div>");
        }

        html.Append($"<h2>Lines</h2><table class=\"sortable\" id=\"lines\"><thead><tr><th>Equipment</th><th class=\"num\">Operating h</th><th class=\"num\">Idle h</th><th class=\"num\">Working h</th><th class=\"num\">Fuel L</th><th>Rate (per h / per L)</th><th class=\"num\">Operating</th><th class=\"num\">Idle</th><th class=\"num\">Fuel</th><th class=\"num\">Line amount</th></tr></thead><tbody>");
        foreach (AllocationLine line in a.Lines)
        {
            AppliedRate r = line.Rate;
            long working = Math.Max(0, line.OperatingMs - line.IdleMs);
            html.Append($"<tr><td>{line.EquipmentId}</td><td class=\"num\" data-v=\"{line.OperatingMs}\">{Layout.Hours(line.OperatingMs)}</td><td class=\"num\" data-v=\"{line.IdleMs}\">{Layout.Hours(line.IdleMs)}</td><td class=\"num\" data-v=\"{working}\">{Layout.Hours(working)}</td><td class=\"num\" data-v=\"{line.FuelMl}\">{Layout.Liters(line.FuelMl)}</td>");
            html.Append($"<td>working {r.OperatingRate:0.00##} · idle {r.IdleRate:0.00##} · fuel {(r.FuelIncluded ? "included (wet rate)" : r.FuelPricePerLiter.ToString("0.00##", CultureInfo.InvariantCulture) + "/L")} {r.Currency} <span class=\"muted\">from {Layout.Time(DateTimeOffset.FromUnixTimeMilliseconds(r.ValidFromMs))}</span></td>");
            html.Append($"<td class=\"num\">{Layout.Money(line.OperatingAmount)}</td><td class=\"num\">{Layout.Money(line.IdleAmount)}</td><td class=\"num\">{Layout.Money(line.FuelAmount)}</td><td class=\"num\" data-v=\"{line.Amount}\"><strong>{Layout.Money(line.Amount)}</strong></td></tr>");
        }

        html.Append($"</tbody></table>");

        html.Append($"<h2>Explain this amount</h2><p class=\"muted\">Each line = its quantities through this revision priced with its rate (working = operating − idle, floored at 0; amounts rounded to cents, halves away from zero), minus what earlier revisions already allocated. The buckets are attributed with the master data known now.</p>");
        TimeZoneInfo zone = ResolveZone(explanation.TimeZone);
        int index = 0;
        foreach (LineExplanation line in explanation.Lines)
        {
            Explain(html, a, line, explanation, zone, index++);
        }

        html.Append($"<h2>History</h2><table id=\"audit\"><thead><tr><th>When</th><th>Who</th><th>Kind</th><th>From</th><th>To</th><th>Comment</th></tr></thead><tbody>");
        foreach (AuditEntry row in audit)
        {
            html.Append($"<tr><td>{Layout.Time(row.At)}</td><td class=\"actor\">{row.Actor}</td><td>{row.ActorKind.ToString().ToLowerInvariant()}</td><td>{row.FromStatus?.ToWire() ?? "–"}</td><td>{Layout.StatusBadge(row.ToStatus.ToWire())}</td><td>{row.Comment ?? string.Empty}</td></tr>");
        }

        html.Append($"</tbody></table>");
        return html.ToContent();
    }

    private static void Explain(HtmlBuilder html, Allocation a, LineExplanation line, AllocationExplanation explanation, TimeZoneInfo zone, int index)
    {
        AllocationLine l = line.Line;
        AppliedRate r = l.Rate;
        AllocationLine p = line.PricedCumulative;
        long working = Math.Max(0, line.CumulativeOperatingMs - line.CumulativeIdleMs);
        html.Append($"<details class=\"explain\" id=\"explain-{index}\"{(index == 0 ? new HtmlContent(" open") : HtmlContent.Empty)}><summary>{l.EquipmentId}: {Layout.Money(l.Amount)} {a.Currency} {(line.AmountReproduces ? "✓ reproduced" : "✗ does not reproduce")}</summary>");
        html.Append($"<ol class=\"steps\">");
        html.Append($"<li>Quantities through r{a.Revision}: {Layout.Hours(line.CumulativeOperatingMs)} h operating, {Layout.Hours(line.CumulativeIdleMs)} h idle, {Layout.Liters(line.CumulativeFuelMl)} L fuel.</li>");
        html.Append($"<li>Working {Layout.Hours(line.CumulativeOperatingMs)} − {Layout.Hours(line.CumulativeIdleMs)} = {Layout.Hours(working)} h × {r.OperatingRate:0.00##} = <strong>{Layout.Money(p.OperatingAmount)}</strong></li>");
        html.Append($"<li>Idle {Layout.Hours(line.CumulativeIdleMs)} h × {r.IdleRate:0.00##} = <strong>{Layout.Money(p.IdleAmount)}</strong></li>");
        html.Append($"<li>Fuel {(r.FuelIncluded ? "included in the rate (wet)" : $"{Layout.Liters(line.CumulativeFuelMl)} L × {r.FuelPricePerLiter:0.00##}")} = <strong>{Layout.Money(p.FuelAmount)}</strong></li>");
        html.Append($"<li>Total {Layout.Money(p.Amount)} − earlier revisions {Layout.Money(line.EarlierAmount)} = <strong>{Layout.Money(p.Amount - line.EarlierAmount)}</strong> (line: {Layout.Money(l.Amount)} {a.Currency})</li></ol>");
        if (line.BucketsMatchRevisions)
        {
            html.Append($"<p class=\"ok\">The buckets below add up to all revisions together ({Layout.Hours(line.BucketOperatingMs)} h operating, {Layout.Hours(line.BucketIdleMs)} h idle, {Layout.Liters(line.BucketFuelMl)} L).</p>");
        }
        else
        {
            html.Append($"<p class=\"warn\">The buckets now hold {Layout.Hours(line.BucketOperatingMs)} h operating, {Layout.Hours(line.BucketIdleMs)} h idle, {Layout.Liters(line.BucketFuelMl)} L, while all revisions together hold {Layout.Hours(line.CumulativeAllOperatingMs)} h, {Layout.Hours(line.CumulativeAllIdleMs)} h, {Layout.Liters(line.CumulativeAllFuelMl)} L: late events or master data changed since; the next settlement stages the difference as a new revision.</p>");
        }

        int cells = (int)((explanation.PeriodEndMs - explanation.PeriodStartMs) / BucketMath.BucketMs);
        var op = new long[cells];
        var idle = new long[cells];
        foreach (BucketRow row in line.Buckets)
        {
            int cell = (int)((row.BucketStartMs - explanation.PeriodStartMs) / BucketMath.BucketMs);
            if (cell >= 0 && cell < cells)
            {
                op[cell] += row.OperatingMs;
                idle[cell] += row.IdleMs;
            }
        }

        html.Append(SvgCharts.Timeline(l.EquipmentId, op, idle, explanation.PeriodStartMs, zone));
        html.Append($"<table class=\"sortable buckets\"><thead><tr><th>Bucket ({explanation.TimeZone})</th><th>Identifiers as sent</th><th class=\"num\">Operating min</th><th class=\"num\">Idle min</th><th class=\"num\">Fuel L</th><th>Attributed by</th></tr></thead><tbody>");
        foreach (BucketRow row in line.Buckets)
        {
            html.Append($"<tr><td data-v=\"{row.BucketStartMs}\">{SvgCharts.LocalTime(row.BucketStartMs, zone, "HH:mm")}</td><td>{row.Identifiers}</td><td class=\"num\" data-v=\"{row.OperatingMs}\">{row.OperatingMs / 60000.0:0.##}</td><td class=\"num\" data-v=\"{row.IdleMs}\">{row.IdleMs / 60000.0:0.##}</td><td class=\"num\" data-v=\"{row.FuelMl}\">{Layout.Liters(row.FuelMl)}</td><td>{row.Via}</td></tr>");
        }

        if (line.Buckets.Count == 0)
        {
            html.Append($"<tr><td colspan=\"6\" class=\"empty\">No bucket is attributed to this line now (buckets past the dedupe retention expire, or master data moved them elsewhere).</td></tr>");
        }

        html.Append($"</tbody></table></details>");
    }

    internal static HtmlContent Posting(LedgerEntry entry)
    {
        var html = new HtmlBuilder();
        switch (entry.Status)
        {
            case AllocationStatus.Posted:
                html.Append($"<span class=\"posted\">posted · Odoo {entry.OdooRefs}</span>");
                break;
            case AllocationStatus.PostFailed:
                html.Append($"<span class=\"failed\">failed after {entry.PostAttempts} attempt(s): {entry.PostError}</span>");
                break;
            case AllocationStatus.Approved:
                html.Append($"<span class=\"muted\">waiting to post</span>");
                break;
            case AllocationStatus.Rejected:
                html.Append($"<span class=\"muted\">not posted (rejected)</span>");
                break;
            default:
                html.Append($"<span class=\"muted\">awaiting approval</span>");
                break;
        }

        return html.ToContent();
    }

    private static void Pager(HtmlBuilder html, AllocationQuery query, AllocationPage page)
    {
        if (page.TotalCount <= page.Limit)
        {
            return;
        }

        string baseQuery = ExportQuery(query);
        html.Append($"<p class=\"pager\">");
        if (page.Offset > 0)
        {
            html.Append($"<a href=\"/approvals?offset={Math.Max(0, page.Offset - page.Limit)}{baseQuery}\">← newer</a> ");
        }

        html.Append($"{page.Offset + 1}–{Math.Min(page.TotalCount, page.Offset + page.Limit)} of {page.TotalCount}");
        if (page.Offset + page.Limit < page.TotalCount)
        {
            html.Append($" <a href=\"/approvals?offset={page.Offset + page.Limit}{baseQuery}\">older →</a>");
        }

        html.Append($"</p>");
    }

    private static string ExportQuery(AllocationQuery query)
    {
        var parts = new List<string>();
        if (query.Status is { } s)
        {
            parts.Add("status=" + s.ToWire());
        }
        else
        {
            parts.Add("status=");
        }

        if (query.PeriodFrom is { } f)
        {
            parts.Add("from=" + f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (query.PeriodTo is { } t)
        {
            parts.Add("to=" + t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (query.ProjectCode is { } p)
        {
            parts.Add("project=" + Uri.EscapeDataString(p));
        }

        if (query.CostCode is { } c)
        {
            parts.Add("costCode=" + Uri.EscapeDataString(c));
        }

        return "&" + string.Join('&', parts);
    }

    private static string ProjectName(MasterDataSnapshot snapshot, string code)
    {
        string? name = snapshot.GetProject(code).Name;
        return name is null || name == code ? string.Empty : name;
    }

    private static HtmlContent Sel(bool selected) => selected ? new HtmlContent(" selected") : HtmlContent.Empty;

    private static TimeZoneInfo ResolveZone(string id)
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

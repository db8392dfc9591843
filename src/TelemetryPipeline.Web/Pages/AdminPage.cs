using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Pages;

/// <summary>Admin: the configuration in effect (no secrets), users and roles, master data, and the settlement trigger.</summary>
internal static class AdminPage
{
    private const int MaxRowsShown = 200;
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin", (HttpContext context, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] WebOptions options, [FromServices] WebUsers users) =>
                Layout.Page(context, "Admin", "Admin", Body(context, deps, options, users, null)))
            .RequireAuthorization(WebAuth.AdminPolicy)
            .ExcludeFromDescription();
        app.MapPost("/admin/settle", SettleAsync).RequireAuthorization(WebAuth.AdminPolicy).ExcludeFromDescription();
    }

    public static HtmlContent SettleForm(HttpContext context, TelemetryPipelineWebDependencies deps)
    {
        var html = new HtmlBuilder();
        html.Append($"<h2>Run settlement</h2>");
        if (deps.SettlementTrigger is null)
        {
            html.Append($"<p class=\"muted\">This process was started without a settlement service.</p>");
            return html.ToContent();
        }

        html.Append($"<form method=\"post\" action=\"/admin/settle\" id=\"settle-form\">{Layout.Token(context)}<label>Settle as of (UTC, empty = now) <input type=\"datetime-local\" name=\"now\"></label> <button type=\"submit\" id=\"settle\">Run settlement now</button></form>");
        return html.ToContent();
    }

    private static async Task<IResult> SettleAsync(
        HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] WebOptions options, [FromServices] WebUsers users)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Layout.Page(context, "Admin", "Admin", Layout.Notice("error", "The form expired: reload the page and try again."), StatusCodes.Status400BadRequest);
        }

        if (deps.SettlementTrigger is null)
        {
            return Layout.Page(context, "Admin", "Admin", Body(context, deps, options, users, Layout.Notice("error", "This process was started without a settlement service.")), StatusCodes.Status503ServiceUnavailable);
        }

        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        DateTimeOffset? now = null;
        string text = form["now"].ToString();
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime parsed))
            {
                return Layout.Page(context, "Admin", "Admin", Body(context, deps, options, users, Layout.Notice("error", $"'{text}' is not a date and time.")), StatusCodes.Status400BadRequest);
            }

            now = new DateTimeOffset(parsed, TimeSpan.Zero);
        }

        object report = await deps.SettlementTrigger(now, context.RequestAborted).ConfigureAwait(false);
        string json = JsonSerializer.Serialize(report, report.GetType(), s_json);
        var html = new HtmlBuilder();
        html.Append($"<div class=\"notice ok\" role=\"status\"><p>Settlement ran{(now is null ? string.Empty : " as of " + Layout.Time(now.Value))}.</p><dl class=\"facts\" id=\"settle-summary\">");
        using (JsonDocument document = JsonDocument.Parse(json))
        {
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                // The report's scalar fields make the summary; lists and maps stay in the full JSON below.
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                    {
                        html.Append($"<dt>{property.Name}</dt><dd>{property.Value.ToString()}</dd>");
                    }
                }
            }
        }

        html.Append($"</dl><details><summary>Full report (JSON)</summary><pre class=\"report\" id=\"settle-report\">{json}</pre></details></div>");
        return Layout.Page(context, "Admin", "Admin", Body(context, deps, options, users, html.ToContent()));
    }

    private static HtmlContent Body(HttpContext context, TelemetryPipelineWebDependencies deps, WebOptions options, WebUsers users, HtmlContent? notice)
    {
        MasterDataSnapshot snapshot = deps.MasterData();
        var html = new HtmlBuilder();
        if (notice is { } n)
        {
            html.Append(n);
        }

        html.Append(SettleForm(context, deps));
        html.Append($"<h2>Web configuration</h2><dl class=\"facts\" id=\"config\"><dt>Urls</dt><dd>{options.Urls}</dd><dt>Users file</dt><dd>{options.UsersFile}</dd>");
        html.Append($"<dt>Refresh</dt><dd>{options.RefreshSeconds} s</dd><dt>Max request body</dt><dd>{options.MaxRequestBodyBytes} bytes</dd><dt>Session</dt><dd>{options.SessionMinutes} min</dd>");
        html.Append($"<dt>/metrics</dt><dd>{(options.AnonymousMetrics ? "anonymous" : "authenticated (viewer or bearer token)")}</dd><dt>Readiness checks</dt><dd>{string.Join(", ", deps.ReadinessChecks.Select(static c => c.Required ? c.Name : c.Name + " (reported only)"))}</dd></dl>");

        html.Append($"<h2>Users</h2><p class=\"muted\">From the users file; only hashes are stored. Add one with the <code>users hash</code> verb and restart.</p><table class=\"sortable\" id=\"users\"><thead><tr><th>Name</th><th>Role</th></tr></thead><tbody>");
        foreach (WebUser user in users.All.OrderBy(static u => u.Name, StringComparer.Ordinal))
        {
            html.Append($"<tr><td>{user.Name}</td><td>{WebUsers.RoleName(user.Role)}</td></tr>");
        }

        html.Append($"</tbody></table>");

        html.Append($"<h2>Settlement configuration</h2><dl class=\"facts\"><dt>Company currency</dt><dd>{snapshot.CompanyCurrency}</dd></dl>");
        var projects = new SortedSet<string>(snapshot.Assignments.Select(static a => a.ProjectCode), StringComparer.Ordinal);
        html.Append($"<table class=\"sortable\" id=\"projects-config\"><thead><tr><th>Project</th><th>Name</th><th>Time zone</th><th>Currency</th><th>Odoo analytic account</th></tr></thead><tbody>");
        foreach (string code in projects)
        {
            ProjectSettings p = snapshot.GetProject(code);
            html.Append($"<tr><td>{code}</td><td>{p.Name}</td><td>{p.TimeZone}</td><td>{p.Currency}</td><td>{p.OdooAnalyticAccountId?.ToString(CultureInfo.InvariantCulture) ?? "–"}</td></tr>");
        }

        html.Append($"</tbody></table>");

        html.Append($"<h2>Master data <span class=\"muted\">({snapshot.Aliases.Count} aliases, {snapshot.Assignments.Count} assignments, {snapshot.Rates.Count} rates)</span></h2>");
        html.Append($"<h3>Aliases</h3><table class=\"sortable\" id=\"aliases\"><thead><tr><th>Scheme</th><th>Value</th><th>Equipment</th></tr></thead><tbody>");
        foreach (EquipmentAlias a in snapshot.Aliases.Take(MaxRowsShown))
        {
            html.Append($"<tr><td>{a.Scheme}</td><td>{a.Value}</td><td>{a.EquipmentId}</td></tr>");
        }

        html.Append($"</tbody></table><h3>Assignments</h3><table class=\"sortable\" id=\"assignments\"><thead><tr><th>Equipment</th><th>Project</th><th>Cost code</th><th>Valid from</th><th>Valid to</th></tr></thead><tbody>");
        foreach (EquipmentAssignment a in snapshot.Assignments.Take(MaxRowsShown))
        {
            html.Append($"<tr><td>{a.EquipmentId}</td><td>{a.ProjectCode}</td><td>{a.CostCode}</td><td>{Ms(a.ValidFromMs)}</td><td>{(a.ValidToMs is { } to ? Ms(to) : "open")}</td></tr>");
        }

        html.Append($"</tbody></table><h3>Rates</h3><table class=\"sortable\" id=\"rates\"><thead><tr><th>Equipment</th><th>Ownership</th><th class=\"num\">Working /h</th><th class=\"num\">Idle /h</th><th>Fuel</th><th>Currency</th><th>Valid from</th></tr></thead><tbody>");
        foreach (EquipmentRate r in snapshot.Rates.Take(MaxRowsShown))
        {
            html.Append($"<tr><td>{r.EquipmentId}</td><td>{r.Ownership.ToString().ToLowerInvariant()}</td><td class=\"num\">{r.OperatingRate:0.00##}</td><td class=\"num\">{r.IdleRate:0.00##}</td><td>{(r.FuelIncluded ? "included" : r.FuelPricePerLiter.ToString("0.00##", CultureInfo.InvariantCulture) + "/L")}</td><td>{r.Currency}</td><td>{Ms(r.ValidFromMs)}</td></tr>");
        }

        html.Append($"</tbody></table>");
        return html.ToContent();
    }

    private static string Ms(long ms) => Layout.Time(DateTimeOffset.FromUnixTimeMilliseconds(ms));
}

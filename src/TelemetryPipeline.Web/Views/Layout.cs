using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Security;

namespace TelemetryPipeline.Web.Views;

/// <summary>The page frame (navigation by role, sign-out form) and small shared pieces of markup.</summary>
internal static class Layout
{
    public const string HtmlContentType = "text/html; charset=utf-8";

    public static IResult Page(HttpContext context, string title, string active, HtmlContent body, int status = StatusCodes.Status200OK)
    {
        WebOptions options = context.RequestServices.GetRequiredService<WebOptions>();
        WebRole? role = WebAuth.Role(context.User);
        var html = new HtmlBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append($"<title>{title} · TelemetryPipeline</title><link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script></head>");
        html.Append($"<body data-refresh-seconds=\"{options.RefreshSeconds}\"><header class=\"top\"><a class=\"brand\" href=\"/\">TelemetryPipeline</a><nav>");
        if (role is not null)
        {
            NavLink(html, "/utilization", "Utilization", active);
            if (role >= WebRole.Approver)
            {
                NavLink(html, "/approvals", "Approvals", active);
            }

            NavLink(html, "/pipeline", "Pipeline", active);
            if (role >= WebRole.Admin)
            {
                NavLink(html, "/admin", "Admin", active);
            }
        }

        html.Append($"</nav>");
        if (role is { } r)
        {
            html.Append($"<form class=\"signout\" method=\"post\" action=\"/logout\">{Token(context)}<span class=\"who\">{context.User.Identity?.Name} <span class=\"role\">{WebUsers.RoleName(r)}</span></span><button type=\"submit\" class=\"link\">Sign out</button></form>");
        }

        html.Append($"</header><main><h1>{title}</h1>");
        html.Append(body);
        html.Append($"</main></body></html>");
        return Results.Content(html.ToString(), HtmlContentType, System.Text.Encoding.UTF8, status);
    }

    /// <summary>The hidden anti-forgery field for a state-changing form.</summary>
    public static HtmlContent Token(HttpContext context)
    {
        AntiforgeryTokenSet tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var html = new HtmlBuilder();
        html.Append($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
        return html.ToContent();
    }

    public static HtmlContent Notice(string cssClass, string text)
    {
        var html = new HtmlBuilder();
        html.Append($"<p class=\"notice {cssClass}\" role=\"status\">{text}</p>");
        return html.ToContent();
    }

    public static HtmlContent StatusBadge(string status)
    {
        var html = new HtmlBuilder();
        html.Append($"<span class=\"badge st-{status}\">{status}</span>");
        return html.ToContent();
    }

    /// <summary>A link path for an allocation id: each segment escaped, the slashes kept.</summary>
    public static string AllocationHref(string allocationId) =>
        "/allocations/" + string.Join('/', allocationId.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Hours for reading (2 decimals); exports keep the 6 of ALLOCATION-RULES.md.</summary>
    public static string Hours(long ms) => Math.Round(ms / 3_600_000m, 2, MidpointRounding.AwayFromZero).ToString("0.0#", CultureInfo.InvariantCulture);

    public static string Liters(long ml) => Math.Round(ml / 1000m, 1, MidpointRounding.AwayFromZero).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Money(decimal amount) => AllocationExport.Amount(amount);

    public static string Percent(double? value) => value is null ? "–" : value.Value.ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static void NavLink(HtmlBuilder html, string href, string text, string active)
    {
        string css = string.Equals(text, active, StringComparison.Ordinal) ? "active" : string.Empty;
        html.Append($"<a class=\"{css}\" href=\"{href}\">{text}</a>");
    }
}

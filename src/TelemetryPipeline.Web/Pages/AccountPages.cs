using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Pages;

/// <summary>Sign-in form (cookie session for pages), sign-out, the 403 page and the home redirect.</summary>
internal static class AccountPages
{
    public const string LoginRateLimitPolicy = "tp-login";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Results.Redirect(context.User.Identity?.IsAuthenticated == true ? "/utilization" : "/login"))
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.MapGet("/login", (HttpContext context, [FromQuery] string? returnUrl) => LoginPage(context, returnUrl, null, StatusCodes.Status200OK))
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.MapPost("/login", LoginAsync)
            .AllowAnonymous()
            .RequireRateLimiting(LoginRateLimitPolicy)
            .ExcludeFromDescription();
        app.MapPost("/logout", LogoutAsync)
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .ExcludeFromDescription();
        app.MapGet("/forbidden", (HttpContext context) =>
                Layout.Page(context, "Not allowed", string.Empty, Layout.Notice("error", "Your role does not allow this page. Ask an admin for the approver or admin role."), StatusCodes.Status403Forbidden))
            .AllowAnonymous()
            .ExcludeFromDescription();
    }

    private static async Task<IResult> LoginAsync(HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] WebUsers users)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return LoginPage(context, null, "The form expired; please sign in again.", StatusCodes.Status400BadRequest);
        }

        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        string name = form["name"].ToString().Trim();
        string secret = form["secret"].ToString();
        string? returnUrl = form["returnUrl"].ToString();
        if (!users.TryAuthenticate(name, secret, out WebUser? user))
        {
            return LoginPage(context, returnUrl, "Unknown name or wrong password/token.", StatusCodes.Status401Unauthorized);
        }

        await context.SignInAsync(WebAuth.CookieScheme, WebAuth.Principal(user, WebAuth.CookieScheme)).ConfigureAwait(false);
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl! : "/utilization");
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, [FromServices] IAntiforgery antiforgery)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Redirect("/");
        }

        await context.SignOutAsync(WebAuth.CookieScheme).ConfigureAwait(false);
        return Results.Redirect("/login");
    }

    private static IResult LoginPage(HttpContext context, string? returnUrl, string? error, int status)
    {
        var html = new HtmlBuilder();
        if (error is not null)
        {
            html.Append(Layout.Notice("error", error));
        }

        html.Append($"<form class=\"login\" method=\"post\" action=\"/login\">{Layout.Token(context)}<input type=\"hidden\" name=\"returnUrl\" value=\"{(IsLocal(returnUrl) ? returnUrl : string.Empty)}\">");
        html.Append($"<label>Name <input name=\"name\" id=\"name\" autocomplete=\"username\" required autofocus></label>");
        html.Append($"<label>Password or token <input type=\"password\" name=\"secret\" id=\"secret\" autocomplete=\"current-password\" required></label>");
        html.Append($"<button type=\"submit\" id=\"sign-in\">Sign in</button></form>");
        html.Append($"<p class=\"muted\">API clients send <code>Authorization: Bearer &lt;token&gt;</code> instead.</p>");
        return Layout.Page(context, "Sign in", string.Empty, html.ToContent(), status);
    }

    /// <summary>Only same-site paths: an open redirect would let a link send people elsewhere after they sign in.</summary>
    internal static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}

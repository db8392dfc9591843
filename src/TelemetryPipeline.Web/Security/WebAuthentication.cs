using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TelemetryPipeline.Web.Security;

/// <summary>Scheme and policy names, and the claims a signed-in user carries.</summary>
internal static class WebAuth
{
    /// <summary>The default scheme: bearer when an Authorization header is present, the session cookie otherwise.</summary>
    public const string Scheme = "tp";
    public const string BearerScheme = "tp-bearer";
    public const string CookieScheme = "tp-cookie";

    public const string ViewerPolicy = "tp-viewer";
    public const string ApproverPolicy = "tp-approver";
    public const string AdminPolicy = "tp-admin";

    public const string CookieName = "tp-session";
    public const string AntiforgeryCookieName = "tp-csrf";
    public const string AntiforgeryHeaderName = "X-CSRF-TOKEN";
    public const string AntiforgeryFieldName = "__RequestVerificationToken";

    /// <summary>A principal for <paramref name="user"/>: its name, and a role claim for its role and each role it includes.</summary>
    public static ClaimsPrincipal Principal(WebUser user, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, user.Name), new("tp-role", WebUsers.RoleName(user.Role)) };
        for (WebRole role = WebRole.Viewer; role <= user.Role; role++)
        {
            claims.Add(new Claim(ClaimTypes.Role, WebUsers.RoleName(role)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The user's own role (not the ones it includes), or null when anonymous.</summary>
    public static WebRole? Role(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && WebUsers.TryParseRole(user.FindFirstValue("tp-role") ?? string.Empty, out WebRole role) ? role : null;

    public static bool IsApiRequest(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase)
        || request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase)
        || request.Headers.XRequestedWith == "fetch";

    /// <summary>True when the request was authenticated by the session cookie (so state changes need an anti-forgery token).</summary>
    public static bool IsCookieAuthenticated(HttpContext context) =>
        context.User.Identity?.AuthenticationType == CookieScheme;
}

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> against the users file. No header: no result (the cookie may still
/// apply); a wrong token: failure, so the caller gets 401 with <c>WWW-Authenticate: Bearer</c>.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, WebUsers users)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Only bearer tokens are accepted."));
        }

        string token = header["Bearer ".Length..].Trim();
        if (!users.TryAuthenticateToken(token, out WebUser? user))
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown or revoked token."));
        }

        var principal = WebAuth.Principal(user, WebAuth.BearerScheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, WebAuth.BearerScheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"TelemetryPipeline\"";
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}

/// <summary>Cookie events: APIs get 401/403 instead of redirects; sessions end when their user leaves the users file or changes role.</summary>
internal sealed class WebCookieEvents(WebUsers users) : CookieAuthenticationEvents
{
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (WebAuth.IsApiRequest(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"TelemetryPipeline\"";
            return Task.CompletedTask;
        }

        return base.RedirectToLogin(context);
    }

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (WebAuth.IsApiRequest(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return base.RedirectToAccessDenied(context);
    }

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        string? name = context.Principal?.Identity?.Name;
        WebRole? role = context.Principal is null ? null : WebAuth.Role(context.Principal);
        if (name is null || !users.TryGet(name, out WebUser? user) || user.Role != role)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WebAuth.CookieScheme).ConfigureAwait(false);
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TelemetryPipeline.Web.Security;

/// <summary>
/// Headers on every response, and the request size limit. The CSP allows nothing but this origin (no CDN, no inline
/// script or style), and no framing at all.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next, WebOptions options)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        if (context.Request.ContentLength is long length && length > options.MaxRequestBodyBytes)
        {
            // Refused before anything reads the body; chunked bodies are cut by the server limit above.
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            SetHeaders(context.Response);
            return context.Response.WriteAsync($"Request body of {length} bytes exceeds Web:MaxRequestBodyBytes ({options.MaxRequestBodyBytes}).");
        }

        context.Response.OnStarting(static state =>
        {
            SetHeaders((HttpResponse)state);
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }

    private static void SetHeaders(HttpResponse response)
    {
        IHeaderDictionary headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        if (!headers.ContainsKey("Cache-Control"))
        {
            // Pages and API answers carry finance data: never kept by shared or browser caches.
            headers.CacheControl = "no-store";
        }
    }
}

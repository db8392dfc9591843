using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Approvals;
using TelemetryPipeline.Web.Metrics;
using TelemetryPipeline.Web.Pages;
using TelemetryPipeline.Web.Pipeline;
using TelemetryPipeline.Web.Security;
using TelemetryPipeline.Web.Utilization;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web;

/// <summary>
/// The two calls a host makes: <c>builder.AddTelemetryPipelineWeb(options, dependencies)</c> before
/// <c>builder.Build()</c>, and <c>app.MapTelemetryPipelineWeb()</c> after it.
/// </summary>
public static class TelemetryPipelineWebExtensions
{
    /// <summary>
    /// Validates <paramref name="options"/>, loads the users file, binds Kestrel to <see cref="WebOptions.Urls"/> with the
    /// request size limit, and registers authentication, authorization, anti-forgery, OpenAPI and the web's services.
    /// Throws <see cref="WebConfigurationException"/> naming the bad key.
    /// </summary>
    public static WebApplicationBuilder AddTelemetryPipelineWeb(this WebApplicationBuilder builder, WebOptions options, TelemetryPipelineWebDependencies dependencies)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.Services.AddTelemetryPipelineWeb(options, dependencies);
        return builder;
    }

    /// <summary>The service registrations of <see cref="AddTelemetryPipelineWeb(WebApplicationBuilder, WebOptions, TelemetryPipelineWebDependencies)"/> without touching Kestrel.</summary>
    public static IServiceCollection AddTelemetryPipelineWeb(this IServiceCollection services, WebOptions options, TelemetryPipelineWebDependencies dependencies)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dependencies);
        options.Validate();
        WebUsers users = WebUsers.Load(options.UsersFile!, dependencies.Clock);

        services.AddSingleton(options);
        services.AddSingleton(dependencies);
        services.AddSingleton(users);
        if (dependencies.Metrics is { } exporter)
        {
            // The host owns it (and disposes it).
            services.AddSingleton(exporter);
        }
        else
        {
            services.AddSingleton(_ => new PrometheusExporter());
        }

        services.AddSingleton(sp => new PipelineSampler(sp.GetRequiredService<PrometheusExporter>(), options, dependencies.Clock, sp.GetService<Microsoft.Extensions.Logging.ILogger<PipelineSampler>>()));
        services.AddHostedService(sp => sp.GetRequiredService<PipelineSampler>());
        services.AddSingleton<UtilizationService>();
        services.AddSingleton(_ => new AmountExplainer(dependencies.Ledger, dependencies.Telemetry, dependencies.MasterData));
        services.AddSingleton<WebCookieEvents>();

        services.AddAuthentication(WebAuth.Scheme)
            .AddPolicyScheme(WebAuth.Scheme, "Bearer token or session cookie", policy =>
                policy.ForwardDefaultSelector = context =>
                    string.IsNullOrEmpty(context.Request.Headers.Authorization) ? WebAuth.CookieScheme : WebAuth.BearerScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(WebAuth.BearerScheme, null)
            .AddCookie(WebAuth.CookieScheme, cookie =>
            {
                cookie.Cookie.Name = WebAuth.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.AccessDeniedPath = "/forbidden";
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
                cookie.SlidingExpiration = true;
                cookie.EventsType = typeof(WebCookieEvents);
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(WebAuth.ViewerPolicy, p => p.RequireAuthenticatedUser().RequireRole(WebUsers.RoleName(WebRole.Viewer)))
            .AddPolicy(WebAuth.ApproverPolicy, p => p.RequireAuthenticatedUser().RequireRole(WebUsers.RoleName(WebRole.Approver)))
            .AddPolicy(WebAuth.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(WebUsers.RoleName(WebRole.Admin)));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = WebAuth.AntiforgeryCookieName;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.HeaderName = WebAuth.AntiforgeryHeaderName;
            antiforgery.FormFieldName = WebAuth.AntiforgeryFieldName;
        });
        services.Configure<FormOptions>(form =>
        {
            form.ValueCountLimit = 64;
            form.ValueLengthLimit = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue);
            form.MultipartBodyLengthLimit = options.MaxRequestBodyBytes;
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Sign-in attempts per client address: slows password guessing without locking anyone out for long.
            limiter.AddPolicy(AccountPages.LoginRateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 20, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddProblemDetails();
        // Pages are mostly SVG and tables: they compress ~10×. Only over plain HTTP here (the default loopback binding);
        // over HTTPS compression stays off (BREACH: the pages carry anti-forgery tokens).
        services.AddResponseCompression(compression =>
        {
            compression.EnableForHttps = false;
            compression.MimeTypes = ["text/html", "application/json", "application/problem+json", "text/plain", "text/csv", "text/css", "text/javascript", "image/svg+xml"];
        });
        services.AddOpenApi("v1", openApi =>
        {
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "TelemetryPipeline",
                    Version = "v1",
                    Description = "Allocations, approvals, exceptions, settlement runs, utilization and pipeline status. Authenticate with `Authorization: Bearer <token>`; tokens are configured in the users file (Web:UsersFile).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A token whose PBKDF2 hash is in the users file; its role decides what it may do.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// Adds the security headers, error handling, authentication, authorization and rate limiting middleware, then maps
    /// the pages, <c>/api/…</c>, <c>/openapi/v1.json</c>, <c>/metrics</c> and <c>/health/…</c>.
    /// </summary>
    public static WebApplication MapTelemetryPipelineWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        WebOptions options = app.Services.GetRequiredService<WebOptions>();
        app.UseResponseCompression();
        app.UseMiddleware<SecurityHeadersMiddleware>(options);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleErrorAsync });
        app.UseStatusCodePages(StatusPageAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOperationsEndpoints(options);
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(WebAuth.ViewerPolicy);
        app.MapGroup("/api").MapAllocationApi();
        AssetEndpoints.Map(app);
        AccountPages.Map(app);
        UtilizationPage.Map(app);
        ApprovalsPage.Map(app);
        PipelinePage.Map(app);
        AdminPage.Map(app);
        return app;
    }

    /// <summary>Unhandled errors: a problem document for APIs, a short page for people; never a stack trace.</summary>
    private static async Task HandleErrorAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        (int status, string message) = error switch
        {
            LedgerException { IsRetriable: true } => (StatusCodes.Status503ServiceUnavailable, "The ledger database is unreachable; try again shortly."),
            LedgerException { OutcomeUnknown: true } => (StatusCodes.Status503ServiceUnavailable, "The ledger connection broke while saving: reload to see whether the change was applied before repeating it."),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "Something went wrong on the server; the error is in the log."),
        };
        context.Response.StatusCode = status;
        if (WebAuth.IsApiRequest(context.Request))
        {
            await context.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = "Request failed", Detail = message }, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await Layout.Page(context, "Error", string.Empty, Layout.Notice("error", message), status).ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>Bodiless 403/404 answers to page requests get a page; API answers stay as they are.</summary>
    private static async Task StatusPageAsync(StatusCodeContext status)
    {
        HttpContext context = status.HttpContext;
        if (WebAuth.IsApiRequest(context.Request) || context.Request.Path.StartsWithSegments("/health"))
        {
            return;
        }

        string? message = context.Response.StatusCode switch
        {
            StatusCodes.Status403Forbidden => "Your role does not allow this. Ask an admin for the approver or admin role.",
            StatusCodes.Status404NotFound => "There is no page here.",
            StatusCodes.Status413PayloadTooLarge => "The request was too large.",
            _ => null,
        };
        if (message is not null)
        {
            await Layout.Page(context, "Sorry", string.Empty, Layout.Notice("error", message), context.Response.StatusCode).ExecuteAsync(context).ConfigureAwait(false);
        }
    }
}

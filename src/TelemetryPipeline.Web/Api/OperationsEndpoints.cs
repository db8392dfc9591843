using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Web.Metrics;
using TelemetryPipeline.Web.Security;

namespace TelemetryPipeline.Web.Api;

/// <summary><c>/health/live</c>, <c>/health/ready</c> (anonymous, for probes) and <c>/metrics</c> (Prometheus).</summary>
public static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder app, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);

        app.MapGet("/health/live", () => TypedResults.Ok(new HealthDto("live", [])))
            .AllowAnonymous()
            .WithName("Live")
            .WithSummary("200 while the process serves requests.")
            .Produces<HealthDto>();

        app.MapGet("/health/ready", ReadyAsync)
            .AllowAnonymous()
            .WithName("Ready")
            .WithSummary("200 when every required dependency (kafka, redis, postgres) answers, 503 otherwise; optional ones (odoo) are reported only.")
            .Produces<HealthDto>()
            .Produces<HealthDto>(StatusCodes.Status503ServiceUnavailable);

        RouteHandlerBuilder metrics = app.MapGet("/metrics", ([FromServices] PrometheusExporter exporter) =>
                Results.Text(exporter.Scrape(), PrometheusExporter.ContentType))
            .WithName("Metrics")
            .WithSummary("Every TelemetryPipeline instrument plus process and GC metrics, Prometheus text format 0.0.4.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        if (options.AnonymousMetrics)
        {
            metrics.AllowAnonymous();
        }
        else
        {
            metrics.RequireAuthorization(WebAuth.ViewerPolicy);
        }

        return app;
    }

    /// <summary>Runs every check concurrently, each bounded by <see cref="WebOptions.HealthCheckTimeoutMs"/>; a throw or timeout is a failure.</summary>
    internal static async Task<IResult> ReadyAsync(
        [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] WebOptions options, CancellationToken ct)
    {
        var tasks = new List<Task<HealthCheckDto>>(deps.ReadinessChecks.Count);
        foreach (ReadinessCheck check in deps.ReadinessChecks)
        {
            tasks.Add(RunAsync(check, options.HealthCheckTimeoutMs, ct));
        }

        HealthCheckDto[] results = await Task.WhenAll(tasks).ConfigureAwait(false);
        bool ready = results.All(static r => r.Ok || !r.Required);
        var body = new HealthDto(ready ? "ready" : "not_ready", results);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<HealthCheckDto> RunAsync(ReadinessCheck check, int timeoutMs, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeoutMs);
        try
        {
            Task<bool> task = check.Check(timeout.Token);
            bool ok = await task.WaitAsync(timeout.Token).ConfigureAwait(false);
            return new HealthCheckDto(check.Name, check.Required, ok, Elapsed(started), ok ? null : "not reachable");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new HealthCheckDto(check.Name, check.Required, false, Elapsed(started), $"no answer within {timeoutMs} ms");
        }
#pragma warning disable CA1031 // A failing dependency is reported, whatever it throws.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            // The endpoint is anonymous: the exception type only, never its message (which may name hosts or users).
            return new HealthCheckDto(check.Name, check.Required, false, Elapsed(started), "failed: " + ex.GetType().Name);
        }
    }

    private static double Elapsed(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
}

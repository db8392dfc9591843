using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Approvals;
using TelemetryPipeline.Web.Security;

namespace TelemetryPipeline.Web.Api;

/// <summary>
/// The allocation operations over HTTP: list, show (ids contain slashes, so a catch-all route), approve / reject, export,
/// exceptions, settlement runs and the settlement trigger.
/// </summary>
public static class AllocationApi
{
    /// <summary>Allocations exported in one request at most; larger exports must narrow the period range.</summary>
    public const int MaxExport = 100_000;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Endpoint metadata naming the documented routes a catch-all endpoint serves (checked against the OpenAPI document by tests).</summary>
    public sealed record DocumentedRoutes(params string[] Patterns);

    public static RouteGroupBuilder MapAllocationApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/allocations", ListAsync)
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .WithName("ListAllocations")
            .WithSummary("Allocations matching the filters, newest period first (paged).")
            .WithDescription("status: pending|approved|rejected|posted|post_failed; from/to: periods yyyy-MM-dd inclusive; project; costCode; offset ≥ 0; limit 1..1000 (default 100).")
            .Produces<AllocationPageDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/allocations/export", ExportAsync)
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .WithName("ExportAllocations")
            .WithSummary("Every allocation matching the filters as JSON (ALLOCATION-RULES.md record shape) or CSV (one row per line).")
            .Produces<string>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/allocations/{**id}", GetAsync)
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .WithName("GetAllocation")
            .WithSummary("One allocation with its lines, rates, audit trail and sibling revisions; explain=true adds the buckets behind each line.")
            .WithDescription("The id contains slashes and is sent as is: /api/allocations/2026-11-20/PRJ-1001/03-200/r1.")
            .Produces<AllocationDetailDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Documented forms; they match ids sent with encoded slashes (%2F). Ids with plain slashes reach the catch-all below.
        api.MapPost("/allocations/{id}/approve", (string id, HttpContext context, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] IAntiforgery antiforgery) =>
                DecideAsync(Uri.UnescapeDataString(id), "approve", context, deps, antiforgery))
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .WithName("ApproveAllocation")
            .WithSummary("pending → approved by the caller; comment optional. The caller's name goes into the audit row.")
            .WithDescription("The id contains slashes and is sent as is: POST /api/allocations/2026-11-20/PRJ-1001/03-200/r1/approve.")
            .Accepts<DecisionRequest>(isOptional: true, "application/json")
            .Produces<TransitionDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/allocations/{id}/reject", (string id, HttpContext context, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] IAntiforgery antiforgery) =>
                DecideAsync(Uri.UnescapeDataString(id), "reject", context, deps, antiforgery))
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .WithName("RejectAllocation")
            .WithSummary("pending → rejected by the caller; a comment saying why is required (400 without one).")
            .WithDescription("The id contains slashes and is sent as is: POST /api/allocations/2026-11-20/PRJ-1001/03-200/r1/reject.")
            .Accepts<DecisionRequest>("application/json")
            .Produces<TransitionDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/allocations/{**target}", (string target, HttpContext context, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] IAntiforgery antiforgery) =>
            {
                int slash = target.LastIndexOf('/');
                string action = slash < 0 ? string.Empty : target[(slash + 1)..];
                if (slash <= 0 || (action != "approve" && action != "reject"))
                {
                    return Task.FromResult(Problem(StatusCodes.Status404NotFound, "Unknown operation", "POST /api/allocations/{id}/approve or /api/allocations/{id}/reject."));
                }

                return DecideAsync(Uri.UnescapeDataString(target[..slash]), action, context, deps, antiforgery);
            })
            .RequireAuthorization(WebAuth.ApproverPolicy)
            .ExcludeFromDescription()
            .WithMetadata(new DocumentedRoutes("/api/allocations/{id}/approve", "/api/allocations/{id}/reject"));

        api.MapGet("/exceptions", ListExceptionsAsync)
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .WithName("ListExceptions")
            .WithSummary("Quantities settlement could not allocate (unresolved_identifier, no_assignment, missing_rate, currency_mismatch).")
            .WithDescription("from/to: periods yyyy-MM-dd; kind; project; limit 1..10000 (default 1000).")
            .Produces<IReadOnlyList<ExceptionDto>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/settlement/runs", ListRunsAsync)
            .RequireAuthorization(WebAuth.ViewerPolicy)
            .WithName("ListSettlementRuns")
            .WithSummary("The latest settlement runs, newest first (limit 1..1000, default 50).")
            .Produces<IReadOnlyList<SettlementRunDto>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/settlement/run", RunSettlementAsync)
            .RequireAuthorization(WebAuth.AdminPolicy)
            .WithName("RunSettlement")
            .WithSummary("Runs one settlement now (admin). Body optional: {\"now\": \"2026-11-21T03:00:00Z\"} to settle against another instant.")
            .Accepts<SettlementRunRequest>(isOptional: true, "application/json")
            .Produces<object>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return api;
    }

    private static async Task<IResult> ListAsync([AsParameters] AllocationFilter filter, [FromServices] TelemetryPipelineWebDependencies deps, CancellationToken ct)
    {
        if (!QueryParsing.TryAllocationQuery(filter, 100, out AllocationQuery? query, out string? error))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        AllocationPage page = await deps.Ledger.ListAsync(query, ct).ConfigureAwait(false);
        var items = new List<AllocationDto>(page.Items.Count);
        foreach (LedgerEntry entry in page.Items)
        {
            items.Add(AllocationDto.From(entry));
        }

        return TypedResults.Ok(new AllocationPageDto(items, page.TotalCount, page.Offset, page.Limit));
    }

    private static async Task<IResult> GetAsync(string id, [FromQuery] bool? explain, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] AmountExplainer explainer, CancellationToken ct)
    {
        id = Uri.UnescapeDataString(id);
        LedgerEntry? entry = await deps.Ledger.GetAsync(id, ct).ConfigureAwait(false);
        if (entry is null)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", $"No allocation {id}.");
        }

        IReadOnlyList<AuditEntry> audit = await deps.Ledger.GetAuditAsync(id, ct).ConfigureAwait(false);
        Allocation a = entry.Allocation;
        IReadOnlyList<Allocation> revisions = await deps.Ledger.GetRevisionsAsync(a.Period, a.ProjectCode, a.CostCode, ct).ConfigureAwait(false);
        List<LineExplanationDto>? explanation = null;
        if (explain == true && await explainer.ExplainAsync(id, ct).ConfigureAwait(false) is { } explained)
        {
            explanation = explained.Lines.Select(LineExplanationDto.From).ToList();
        }

        return TypedResults.Ok(new AllocationDetailDto(
            AllocationDto.From(entry),
            audit.Select(AuditDto.From).ToList(),
            revisions.Select(static r => r.AllocationId).ToList(),
            explanation));
    }

    private static async Task<IResult> ExportAsync(
        [AsParameters] AllocationFilter filter, [FromQuery] string? format, [FromServices] TelemetryPipelineWebDependencies deps, CancellationToken ct)
    {
        string fmt = string.IsNullOrWhiteSpace(format) ? "json" : format.Trim().ToLowerInvariant();
        if (fmt != "json" && fmt != "csv")
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid format", $"format: '{format}' is not json or csv.");
        }

        if (!QueryParsing.TryAllocationQuery(filter with { Offset = null, Limit = null }, AllocationQuery.MaxLimit, out AllocationQuery? query, out string? error))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        var allocations = new List<Allocation>();
        for (int offset = 0; ; offset += AllocationQuery.MaxLimit)
        {
            AllocationPage page = await deps.Ledger.ListAsync(query with { Offset = offset, Limit = AllocationQuery.MaxLimit }, ct).ConfigureAwait(false);
            foreach (LedgerEntry entry in page.Items)
            {
                allocations.Add(entry.Allocation);
            }

            if (page.TotalCount > MaxExport)
            {
                return Problem(
                    StatusCodes.Status400BadRequest,
                    "Export too large",
                    string.Create(CultureInfo.InvariantCulture, $"{page.TotalCount} allocations match; at most {MaxExport} per export. Narrow the period range (from, to)."));
            }

            if (page.Items.Count < AllocationQuery.MaxLimit)
            {
                break;
            }
        }

        string name = string.Create(
            CultureInfo.InvariantCulture,
            $"allocations-{query.PeriodFrom?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "all"}-{query.PeriodTo?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "all"}.{fmt}");
        return fmt == "csv"
            ? TypedResults.File(System.Text.Encoding.UTF8.GetBytes(AllocationExport.ToCsv(allocations)), "text/csv; charset=utf-8", name)
            : TypedResults.File(System.Text.Encoding.UTF8.GetBytes(AllocationExport.ToJson(allocations)), "application/json; charset=utf-8", name);
    }

    private static async Task<IResult> ListExceptionsAsync(
        [FromQuery] string? from,
        [FromQuery] string? to,
        [FromQuery] string? kind,
        [FromQuery] string? project,
        [FromQuery] string? limit,
        [FromServices] TelemetryPipelineWebDependencies deps,
        CancellationToken ct)
    {
        if (!QueryParsing.TryDate(from, "from", out DateOnly? periodFrom, out string? error)
            || !QueryParsing.TryDate(to, "to", out DateOnly? periodTo, out error)
            || !QueryParsing.TryInt(limit, "limit", 1000, 1, ExceptionQuery.MaxLimit, out int max, out error))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        IReadOnlyList<SettlementException> rows = await deps.Ledger.ListExceptionsAsync(
            new ExceptionQuery { PeriodFrom = periodFrom, PeriodTo = periodTo, Kind = QueryParsing.Clean(kind), ProjectCode = QueryParsing.Clean(project), Limit = max },
            ct).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(ExceptionDto.From).ToList());
    }

    private static async Task<IResult> ListRunsAsync([FromQuery] string? limit, [FromServices] TelemetryPipelineWebDependencies deps, CancellationToken ct)
    {
        if (!QueryParsing.TryInt(limit, "limit", 50, 1, 1000, out int max, out string? error))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid filter", error);
        }

        IReadOnlyList<SettlementRunRecord> runs = await deps.Ledger.ListSettlementRunsAsync(max, ct).ConfigureAwait(false);
        return TypedResults.Ok(runs.Select(SettlementRunDto.From).ToList());
    }

    private static async Task<IResult> RunSettlementAsync(HttpContext context, [FromServices] TelemetryPipelineWebDependencies deps, [FromServices] IAntiforgery antiforgery)
    {
        if (await CheckAntiforgeryAsync(context, antiforgery).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (deps.SettlementTrigger is null)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Settlement unavailable", "This process was started without a settlement service.");
        }

        (SettlementRunRequest? body, string? error) = await ReadBodyAsync<SettlementRunRequest>(context).ConfigureAwait(false);
        if (error is not null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid body", error);
        }

        object report = await deps.SettlementTrigger(body?.Now, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(report, s_json);
    }

    /// <summary>Approve or reject <paramref name="id"/> as the signed-in user, mapping the ledger's outcome to a status code.</summary>
    internal static async Task<IResult> DecideAsync(string id, string action, HttpContext context, TelemetryPipelineWebDependencies deps, IAntiforgery antiforgery)
    {
        if (await CheckAntiforgeryAsync(context, antiforgery).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        (DecisionRequest? body, string? error) = await ReadBodyAsync<DecisionRequest>(context).ConfigureAwait(false);
        if (error is not null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid body", error);
        }

        string actor = context.User.Identity?.Name ?? string.Empty;
        string? comment = body?.Comment;
        if (action == "reject" && string.IsNullOrWhiteSpace(comment))
        {
            return Problem(StatusCodes.Status400BadRequest, "Comment required", "A rejection needs a comment saying why: send {\"comment\": \"…\"}. Nothing was changed.");
        }

        TransitionResult result = action == "approve"
            ? await deps.Ledger.ApproveAsync(id, actor, comment, context.RequestAborted).ConfigureAwait(false)
            : await deps.Ledger.RejectAsync(id, actor, comment!, context.RequestAborted).ConfigureAwait(false);
        return result.Outcome switch
        {
            TransitionOutcome.Applied => TypedResults.Ok(TransitionDto.From(result)),
            TransitionOutcome.NotFound => Problem(StatusCodes.Status404NotFound, "Not found", result.Message),
            TransitionOutcome.IllegalTransition => Problem(StatusCodes.Status409Conflict, "Not allowed in this status", result.Message),
            _ => Problem(StatusCodes.Status400BadRequest, "Invalid request", result.Message),
        };
    }

    /// <summary>
    /// Cookie-authenticated state changes must carry the anti-forgery token (header X-CSRF-TOKEN); bearer calls cannot
    /// be forged by another site, so they need none.
    /// </summary>
    internal static async Task<IResult?> CheckAntiforgeryAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!WebAuth.IsCookieAuthenticated(context))
        {
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return Problem(
                StatusCodes.Status400BadRequest,
                "Anti-forgery token missing or invalid",
                $"Requests authenticated by the session cookie must send the {WebAuth.AntiforgeryHeaderName} header; API clients should use a bearer token.");
        }
    }

    internal static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    private static async Task<(T? Body, string? Error)> ReadBodyAsync<T>(HttpContext context)
        where T : class
    {
        HttpRequest request = context.Request;
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, "send the body as application/json (or no body).");
        }

        try
        {
            return (await request.ReadFromJsonAsync<T>(s_json, context.RequestAborted).ConfigureAwait(false), null);
        }
        catch (JsonException ex)
        {
            return (null, "the body is not valid JSON for this operation: " + ex.Message);
        }
    }
}

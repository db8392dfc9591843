using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Odoo 19+'s JSON-2 API: <c>POST /json/2/&lt;model&gt;/&lt;method&gt;</c> with <c>Authorization: bearer &lt;key&gt;</c>,
/// named arguments only, bare JSON results and real HTTP statuses (401 key, 403 rights, 404 unknown model or
/// method, 422 validation, 500 other).
/// </summary>
public sealed class OdooJson2Client : IOdooClient
{
    private readonly OdooHttpTransport _transport;
    private readonly OdooOptions _options;
    private readonly JsonObject _context;

    /// <summary>Creates a client over <paramref name="http"/>; the key comes from <see cref="OdooOptions.ResolveApiKey"/>.</summary>
    public OdooJson2Client(HttpClient http, OdooOptions options, ILogger<OdooJson2Client>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _transport = new OdooHttpTransport(http, options, options.ResolveApiKey(), (ILogger?)logger ?? NullLogger.Instance);
        CompanyId = options.CompanyId;
        _context = OdooCalls.CompanyContext(CompanyId);
    }

    private OdooJson2Client(OdooJson2Client sibling, long companyId)
    {
        _options = sibling._options;
        _transport = sibling._transport;
        CompanyId = companyId;
        _context = OdooCalls.CompanyContext(companyId);
    }

    /// <inheritdoc />
    public string Protocol => OdooOptions.Json2;

    /// <inheritdoc />
    public long CompanyId { get; }

    /// <inheritdoc />
    public IOdooClient ForCompany(long companyId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(companyId, 1);
        return companyId == CompanyId ? this : new OdooJson2Client(this, companyId);
    }

    /// <inheritdoc />
    public async Task<OdooServerVersion> VersionAsync(CancellationToken ct = default)
    {
        // /web/version (Odoo 18+) needs no key; servers without it still answer common.version on /jsonrpc.
        var response = await _transport.SendAsync(HttpMethod.Get, "web/version", null, null, "web/version", ct).ConfigureAwait(false);
        if (response.Status == 200 && response.Body is JsonObject body && body["version"] is JsonValue version)
        {
            return OdooServerVersion.Parse(version.ToString());
        }

        if (response.Status is not (200 or 404 or 405))
        {
            throw OdooErrors.FromHttpStatus(response.Status, response.Body, response.Raw, "web/version", _transport.ApiKey);
        }

        return await OdooJsonRpcClient.CommonVersionAsync(_transport, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> AuthenticateAsync(CancellationToken ct = default)
    {
        var result = await SendAsync("res.users", "context_get", new JsonObject(), ct).ConfigureAwait(false);
        if (result is JsonObject context && context["uid"] is JsonValue uid && uid.TryGetValue<long>(out var id))
        {
            return id;
        }

        throw new OdooException(OdooErrorKind.Server, "res.users/context_get did not return a uid", false, operation: "res.users.context_get");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> SearchReadAsync(string model, JsonArray domain, IReadOnlyList<string> fields, int? limit = null, string? order = null, CancellationToken ct = default)
    {
        var body = new JsonObject
        {
            ["domain"] = domain.DeepClone(),
            ["fields"] = OdooCalls.Strings(fields),
        };
        if (limit is { } l)
        {
            body["limit"] = l;
        }

        if (order is not null)
        {
            body["order"] = order;
        }

        return OdooCalls.Records(await SendAsync(model, "search_read", body, ct).ConfigureAwait(false), model + ".search_read");
    }

    /// <inheritdoc />
    public async Task<long> SearchCountAsync(string model, JsonArray domain, CancellationToken ct = default)
    {
        var result = await SendAsync(model, "search_count", new JsonObject { ["domain"] = domain.DeepClone() }, ct).ConfigureAwait(false);
        return OdooCalls.Long(result, model + ".search_count");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> CreateAsync(string model, IReadOnlyList<JsonObject> values, CancellationToken ct = default)
    {
        var result = await SendAsync(model, "create", new JsonObject { ["vals_list"] = OdooCalls.Clone(values) }, ct).ConfigureAwait(false);
        return OdooCalls.Ids(result, values.Count, model + ".create");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ReadAsync(string model, IReadOnlyList<long> ids, IReadOnlyList<string> fields, CancellationToken ct = default)
    {
        var body = new JsonObject { ["ids"] = OdooCalls.Longs(ids), ["fields"] = OdooCalls.Strings(fields) };
        return OdooCalls.Records(await SendAsync(model, "read", body, ct).ConfigureAwait(false), model + ".read");
    }

    /// <inheritdoc />
    public async Task WriteAsync(string model, IReadOnlyList<long> ids, JsonObject values, CancellationToken ct = default)
    {
        var body = new JsonObject { ["ids"] = OdooCalls.Longs(ids), ["vals"] = values.DeepClone() };
        await SendAsync(model, "write", body, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<JsonNode?> CallAsync(string model, string method, IReadOnlyList<long>? ids, JsonObject? kwargs, CancellationToken ct = default)
    {
        var body = kwargs is null ? new JsonObject() : (JsonObject)kwargs.DeepClone();
        if (ids is not null)
        {
            body["ids"] = OdooCalls.Longs(ids);
        }

        return SendAsync(model, method, body, ct);
    }

    private async Task<JsonNode?> SendAsync(string model, string method, JsonObject body, CancellationToken ct)
    {
        OdooCalls.CheckName(model, nameof(model));
        OdooCalls.CheckName(method, nameof(method));
        if (!body.ContainsKey("context") && _context.Count > 0)
        {
            body["context"] = _context.DeepClone();
        }

        var operation = model + "." + method;
        var path = string.Create(CultureInfo.InvariantCulture, $"json/2/{model}/{method}");
        var response = await _transport.SendAsync(HttpMethod.Post, path, body, AddHeaders, operation, ct).ConfigureAwait(false);
        if (response.Status is >= 200 and < 300)
        {
            if (response.BodyIsNotJson)
            {
                throw new OdooException(OdooErrorKind.Transport, $"HTTP {response.Status} with a body that is not JSON", true, httpStatus: response.Status, operation: operation);
            }

            return response.Body;
        }

        throw OdooErrors.FromHttpStatus(response.Status, response.Body, response.Raw, operation, _transport.ApiKey);
    }

    private void AddHeaders(HttpRequestHeaders headers)
    {
        headers.Authorization = new AuthenticationHeaderValue("bearer", _transport.ApiKey);
        headers.TryAddWithoutValidation("X-Odoo-Database", _options.Database);
    }
}

using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Odoo 17–19's JSON-RPC API (<c>POST /jsonrpc</c>; deprecated in 19): <c>common.authenticate</c> once for the uid,
/// then <c>object.execute_kw(db, uid, key, model, method, args, kwargs)</c>. Errors arrive as HTTP 200 with an
/// <c>error</c> object whose <c>data.name</c> is the Python exception class; a wrong password is <c>false</c>, not an error.
/// </summary>
public sealed class OdooJsonRpcClient : IOdooClient
{
    private readonly OdooHttpTransport _transport;
    private readonly OdooOptions _options;
    private readonly JsonObject _context;
    private readonly Session _session;

    /// <summary>Creates a client over <paramref name="http"/>; the key comes from <see cref="OdooOptions.ResolveApiKey"/>.</summary>
    public OdooJsonRpcClient(HttpClient http, OdooOptions options, ILogger<OdooJsonRpcClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _transport = new OdooHttpTransport(http, options, options.ResolveApiKey(), (ILogger?)logger ?? NullLogger.Instance);
        _session = new Session();
        CompanyId = options.CompanyId;
        _context = OdooCalls.CompanyContext(CompanyId);
    }

    private OdooJsonRpcClient(OdooJsonRpcClient sibling, long companyId)
    {
        _options = sibling._options;
        _transport = sibling._transport;
        _session = sibling._session;
        CompanyId = companyId;
        _context = OdooCalls.CompanyContext(companyId);
    }

    /// <inheritdoc />
    public string Protocol => OdooOptions.JsonRpc;

    /// <inheritdoc />
    public long CompanyId { get; }

    /// <inheritdoc />
    public IOdooClient ForCompany(long companyId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(companyId, 1);
        return companyId == CompanyId ? this : new OdooJsonRpcClient(this, companyId);
    }

    /// <inheritdoc />
    public Task<OdooServerVersion> VersionAsync(CancellationToken ct = default) => CommonVersionAsync(_transport, ct);

    /// <inheritdoc />
    public async Task<long> AuthenticateAsync(CancellationToken ct = default)
    {
        var uid = Interlocked.Read(ref _session.Uid);
        if (uid > 0)
        {
            return uid;
        }

        await _session.Authenticating.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_session.Uid > 0)
            {
                return _session.Uid;
            }

            var args = new JsonArray(_options.Database, _options.Login, _transport.ApiKey, new JsonObject());
            var result = await CallServiceAsync(_transport, "common", "authenticate", args, "common.authenticate", ct).ConfigureAwait(false);
            if (result is JsonValue value && value.TryGetValue<long>(out var id) && id > 0)
            {
                Interlocked.Exchange(ref _session.Uid, id);
                return id;
            }

            // authenticate answers false, not an error, for a wrong login or key.
            throw new OdooException(
                OdooErrorKind.Authentication,
                $"login '{_options.Login}' on database '{_options.Database}' was refused: wrong login or API key",
                false,
                operation: "common.authenticate");
        }
        finally
        {
            _session.Authenticating.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> SearchReadAsync(string model, JsonArray domain, IReadOnlyList<string> fields, int? limit = null, string? order = null, CancellationToken ct = default)
    {
        var kwargs = new JsonObject { ["fields"] = OdooCalls.Strings(fields) };
        if (limit is { } l)
        {
            kwargs["limit"] = l;
        }

        if (order is not null)
        {
            kwargs["order"] = order;
        }

        var result = await ExecuteKwAsync(model, "search_read", new JsonArray(domain.DeepClone()), kwargs, ct).ConfigureAwait(false);
        return OdooCalls.Records(result, model + ".search_read");
    }

    /// <inheritdoc />
    public async Task<long> SearchCountAsync(string model, JsonArray domain, CancellationToken ct = default)
    {
        var result = await ExecuteKwAsync(model, "search_count", new JsonArray(domain.DeepClone()), [], ct).ConfigureAwait(false);
        return OdooCalls.Long(result, model + ".search_count");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> CreateAsync(string model, IReadOnlyList<JsonObject> values, CancellationToken ct = default)
    {
        // Always a list of dicts: one call, one transaction, a list of ids back (a single dict would return a bare id).
        var result = await ExecuteKwAsync(model, "create", new JsonArray(OdooCalls.Clone(values)), [], ct).ConfigureAwait(false);
        return OdooCalls.Ids(result, values.Count, model + ".create");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ReadAsync(string model, IReadOnlyList<long> ids, IReadOnlyList<string> fields, CancellationToken ct = default)
    {
        var result = await ExecuteKwAsync(model, "read", new JsonArray(OdooCalls.Longs(ids)), new JsonObject { ["fields"] = OdooCalls.Strings(fields) }, ct).ConfigureAwait(false);
        return OdooCalls.Records(result, model + ".read");
    }

    /// <inheritdoc />
    public async Task WriteAsync(string model, IReadOnlyList<long> ids, JsonObject values, CancellationToken ct = default) =>
        await ExecuteKwAsync(model, "write", new JsonArray(OdooCalls.Longs(ids), values.DeepClone()), [], ct).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<JsonNode?> CallAsync(string model, string method, IReadOnlyList<long>? ids, JsonObject? kwargs, CancellationToken ct = default)
    {
        var args = ids is null ? new JsonArray() : new JsonArray(OdooCalls.Longs(ids));
        return ExecuteKwAsync(model, method, args, kwargs is null ? [] : (JsonObject)kwargs.DeepClone(), ct);
    }

    /// <summary><c>common.version</c>, shared with the JSON-2 client's fallback.</summary>
    internal static async Task<OdooServerVersion> CommonVersionAsync(OdooHttpTransport transport, CancellationToken ct)
    {
        var result = await CallServiceAsync(transport, "common", "version", [], "common.version", ct).ConfigureAwait(false);
        if (result is JsonObject version && version["server_version"] is JsonValue text)
        {
            return OdooServerVersion.Parse(text.ToString());
        }

        throw new OdooException(OdooErrorKind.Server, "common.version returned no server_version", false, operation: "common.version");
    }

    private static async Task<JsonNode?> CallServiceAsync(OdooHttpTransport transport, string service, string method, JsonArray args, string operation, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["method"] = "call",
            ["params"] = new JsonObject { ["service"] = service, ["method"] = method, ["args"] = args },
            ["id"] = Random.Shared.Next(1, int.MaxValue),
        };
        var response = await transport.SendAsync(HttpMethod.Post, "jsonrpc", body, null, operation, ct).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw OdooErrors.FromHttpStatus(response.Status, response.Body, response.Raw, operation, transport.ApiKey);
        }

        if (response.Body is not JsonObject envelope)
        {
            throw new OdooException(OdooErrorKind.Transport, "HTTP 200 with a body that is not a JSON-RPC response", true, httpStatus: 200, operation: operation);
        }

        if (envelope["error"] is JsonObject error)
        {
            throw OdooErrors.FromJsonRpcError(error, operation, transport.ApiKey);
        }

        if (!envelope.ContainsKey("result"))
        {
            throw new OdooException(OdooErrorKind.Transport, "JSON-RPC response without result or error", true, httpStatus: 200, operation: operation);
        }

        return envelope["result"];
    }

    private async Task<JsonNode?> ExecuteKwAsync(string model, string method, JsonArray args, JsonObject kwargs, CancellationToken ct)
    {
        OdooCalls.CheckName(model, nameof(model));
        OdooCalls.CheckName(method, nameof(method));
        var uid = await AuthenticateAsync(ct).ConfigureAwait(false);
        if (!kwargs.ContainsKey("context") && _context.Count > 0)
        {
            kwargs["context"] = _context.DeepClone();
        }

        var callArgs = new JsonArray(_options.Database, uid, _transport.ApiKey, model, method, args, kwargs);
        return await CallServiceAsync(_transport, "object", "execute_kw", callArgs, model + "." + method, ct).ConfigureAwait(false);
    }

    /// <summary>The uid, shared by the clients of every company: one <c>common.authenticate</c> per connection.</summary>
    private sealed class Session
    {
        public readonly SemaphoreSlim Authenticating = new(1, 1);
        public long Uid;
    }
}

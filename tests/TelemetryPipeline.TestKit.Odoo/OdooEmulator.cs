using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TelemetryPipeline.TestKit.Odoo.Emulation;

namespace TelemetryPipeline.TestKit.Odoo;

/// <summary>
/// An in-process Odoo 19 (Kestrel on a free 127.0.0.1 port) answering JSON-RPC (<c>/jsonrpc</c>) and JSON-2
/// (<c>/json/2/&lt;model&gt;/&lt;method&gt;</c>) like the exchanges recorded in <c>shared/odoo-fixtures</c>: same shapes,
/// error envelopes, statuses, required fields and quirks. Switches inject failures, latency and dropped
/// connections; counters and record access let tests assert what reached "Odoo".
/// </summary>
public sealed partial class OdooEmulator : IAsyncDisposable
{
    /// <summary>Request-count key of JSON-2's <c>GET /web/version</c>.</summary>
    public const string WebVersionKey = "web/version";

    private readonly object _gate = new();
    private readonly WebApplication _app;
    private readonly EmulatedDatabase _db;
    private readonly RpcDispatcher _dispatcher;
    private readonly OdooEmulatorOptions _options;
    private readonly Dictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _createSizes = new(StringComparer.Ordinal);
    private int _failNext;
    private int _failStatus;
    private string? _failKey;
    private string? _dropKey;
    private int _dropBefore;
    private int _dropAfter;
    private int _totalRequests;

    private OdooEmulator(WebApplication app, OdooEmulatorOptions options)
    {
        _app = app;
        _options = options;
        _db = new EmulatedDatabase(options);
        _dispatcher = new RpcDispatcher(_db);
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public string Database => _options.Database;

    /// <summary>The administrator's API key (works as bearer on JSON-2 and as password on JSON-RPC).</summary>
    public string ApiKey => _options.ApiKey;

    public string Login => _options.Login;

    public string Password => _options.Password;

    /// <summary>The administrator's user id (2, as in the recordings).</summary>
    public long AdminUid => EmulatedDatabase.AdminUid;

    /// <summary>Latency added before a request is processed (a client that gives up first leaves nothing behind).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Latency added after a request was processed and committed, before the answer is written.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts an emulator on a free loopback port.</summary>
    public static async Task<OdooEmulator> StartAsync(OdooEmulatorOptions? options = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var emulator = new OdooEmulator(app, options ?? new OdooEmulatorOptions());
        app.Run(emulator.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        emulator.BaseUrl = addresses.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return emulator;
    }

    // ---- switches --------------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> requests (only those with <paramref name="requestKey"/>, e.g.
    /// <c>account.analytic.line.create</c>, when given) get <paramref name="statusCode"/> without being processed.
    /// </summary>
    public void FailNextRequests(int count, int statusCode = 503, string? requestKey = null)
    {
        lock (_gate)
        {
            _failNext = count;
            _failStatus = statusCode;
            _failKey = requestKey;
        }
    }

    /// <summary>
    /// After <paramref name="count"/> more records have been created, the create call that goes past them keeps the
    /// records up to the limit and answers HTTP 500: "Odoo failed mid-batch" with some records already there.
    /// </summary>
    public void FailAfterCreates(int count)
    {
        lock (_gate)
        {
            _db.CreateBudget = count;
        }
    }

    /// <summary>
    /// Abort the TCP connection of the next <paramref name="count"/> requests: before processing, or after
    /// processing and committing (<paramref name="afterProcessing"/>: the answer is lost, the effect is not);
    /// only requests with <paramref name="requestKey"/> when given.
    /// </summary>
    public void DropConnections(int count, bool afterProcessing = false, string? requestKey = null)
    {
        lock (_gate)
        {
            _dropKey = requestKey;
            if (afterProcessing)
            {
                _dropAfter = count;
            }
            else
            {
                _dropBefore = count;
            }
        }
    }

    /// <summary>
    /// From now on, refuse (ValidationError with <paramref name="message"/>, as an Odoo constraint would) every record
    /// whose create values match <paramref name="predicate"/> (model name, values); null removes the rule. Stands for
    /// the refusals a client cannot foresee: a custom module's constraint, a lock date.
    /// </summary>
    public void RejectRecordsWhere(Func<string, JsonObject, bool>? predicate, string message = "The record was refused by a constraint.")
    {
        lock (_gate)
        {
            _db.Rejection = predicate is null ? null : (predicate, message);
        }
    }

    /// <summary>Clears every switch (failures, drops, delays).</summary>
    public void ResetFaults()
    {
        lock (_gate)
        {
            _failNext = 0;
            _dropBefore = 0;
            _dropAfter = 0;
            _db.CreateBudget = null;
            Delay = TimeSpan.Zero;
            ResponseDelay = TimeSpan.Zero;
        }
    }

    // ---- counters --------------------------------------------------------------------------------

    /// <summary>Requests seen for a key: <c>model.method</c> (both protocols), <c>common.authenticate</c>, <c>web/version</c>.</summary>
    public int RequestCount(string key)
    {
        lock (_gate)
        {
            return _requests.GetValueOrDefault(key);
        }
    }

    /// <summary>Every request key and its count.</summary>
    public IReadOnlyDictionary<string, int> RequestCounts
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_requests, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>All requests, including failed and dropped ones.</summary>
    public int TotalRequests
    {
        get
        {
            lock (_gate)
            {
                return _totalRequests;
            }
        }
    }

    /// <summary>How many value dicts each create call on <paramref name="model"/> carried, in order (failed calls included).</summary>
    public IReadOnlyList<int> CreateBatchSizes(string model)
    {
        lock (_gate)
        {
            return _createSizes.TryGetValue(model, out var sizes) ? [.. sizes] : [];
        }
    }

    // ---- records ---------------------------------------------------------------------------------

    /// <summary>Every record of a model as stored (many2one as bare ids, null for false), for assertions.</summary>
    public IReadOnlyList<JsonObject> Records(string model)
    {
        lock (_gate)
        {
            return [.. JsonNode.Parse(_db.Dump(model).ToJsonString())!.AsArray().Select(static n => n!.AsObject())];
        }
    }

    /// <summary>Creates a record through the ORM as the superuser (defaults and checks apply), in <paramref name="companyId"/>.</summary>
    public long CreateRecord(string model, JsonObject values, long? companyId = null)
    {
        lock (_gate)
        {
            return _db.Create(Superuser(companyId), _db.Model(model), [Normalize(values)])[0];
        }
    }

    /// <summary>Writes values on a record through the ORM as the superuser (e.g. finance editing an amount).</summary>
    public void UpdateRecord(string model, long id, JsonObject values)
    {
        lock (_gate)
        {
            _db.Write(Superuser(null), _db.Model(model), [id], Normalize(values));
        }
    }

    /// <summary>Deletes a record as the superuser.</summary>
    public void DeleteRecord(string model, long id)
    {
        lock (_gate)
        {
            _db.Unlink(Superuser(null), _db.Model(model), [id]);
        }
    }

    /// <summary>
    /// Creates a company keeping amounts in <paramref name="currency"/> (an ISO code; the currency is created or activated
    /// when needed) and, unless <paramref name="allowAdmin"/> is false, adds it to the administrator's allowed companies,
    /// as Odoo does for the user who creates a company. Returns the company id.
    /// </summary>
    public long AddCompany(string name, string currency, bool allowAdmin = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(currency);
        lock (_gate)
        {
            var currencyId = _db.EnsureCurrency(Superuser(null), currency);
            var id = _db.Create(Superuser(null), _db.Model("res.company"), [Normalize(new JsonObject { ["name"] = name, ["currency_id"] = currencyId })])[0];
            if (allowAdmin)
            {
                _db.AllowCompany(EmulatedDatabase.AdminUid, id);
            }

            return id;
        }
    }

    /// <summary>Creates a root analytic plan; its analytic-line column is <see cref="PlanColumn"/>.</summary>
    public long AddAnalyticPlan(string name) => CreateRecord("account.analytic.plan", new JsonObject { ["name"] = name });

    /// <summary>Creates an analytic account (company null: shared by all companies).</summary>
    public long AddAnalyticAccount(string name, string? code, long planId, long? companyId = EmulatedDatabase.MainCompanyId)
    {
        var values = new JsonObject { ["name"] = name, ["plan_id"] = planId, ["company_id"] = companyId is { } c ? c : false };
        if (code is not null)
        {
            values["code"] = code;
        }

        return CreateRecord("account.analytic.account", values);
    }

    /// <summary>The analytic-line column of a root plan: <c>account_id</c> for plan 1 (Project), else <c>x_plan&lt;id&gt;_id</c>.</summary>
    public static string PlanColumn(long planId) => EmulatedDatabase.PlanColumn(planId);

    /// <summary>Creates an internal user with exactly the given groups (xml ids such as <c>base.group_user</c>).</summary>
    public long CreateUser(string login, string password, params string[] groupXmlIds)
    {
        lock (_gate)
        {
            var groups = new JsonArray();
            foreach (var xmlId in groupXmlIds)
            {
                groups.Add(_db.GroupId(xmlId));
            }

            var values = new JsonObject { ["name"] = login, ["login"] = login, ["password"] = password, ["group_ids"] = new JsonArray(new JsonArray(6, 0, groups)) };
            return _db.Create(Superuser(null), _db.Model("res.users"), [Normalize(values)])[0];
        }
    }

    /// <summary>Issues an API key for a user (Odoo only does this interactively).</summary>
    public string IssueApiKey(long uid)
    {
        lock (_gate)
        {
            return _db.IssueApiKey(uid);
        }
    }

    /// <summary>Adds a group (xml id) to a user.</summary>
    public void GrantGroup(long uid, string groupXmlId) => ChangeGroup(uid, groupXmlId, 4);

    /// <summary>Removes a group (xml id) from a user's explicit groups.</summary>
    public void RevokeGroup(long uid, string groupXmlId) => ChangeGroup(uid, groupXmlId, 3);

    /// <summary>Posts a draft journal entry, as finance would in Odoo (creates its analytic lines).</summary>
    public void PostMove(long moveId)
    {
        lock (_gate)
        {
            _db.ActionPost(Superuser(null), [moveId]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void ChangeGroup(long uid, string groupXmlId, int command)
    {
        lock (_gate)
        {
            var values = new JsonObject { ["group_ids"] = new JsonArray(new JsonArray(command, _db.GroupId(groupXmlId))) };
            _db.Write(Superuser(null), _db.Model("res.users"), [uid], Normalize(values));
        }
    }

    /// <summary>Values as if they came over the wire (JSON text parsed), like every request the emulator serves.</summary>
    private static JsonObject Normalize(JsonObject values) => JsonNode.Parse(values.ToJsonString())!.AsObject();

    private static CallEnv Superuser(long? companyId) =>
        new(EmulatedDatabase.SuperuserUid, companyId is { } c ? new JsonObject { ["allowed_company_ids"] = new JsonArray(c) } : []);

    // ---- HTTP ------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var path = request.Path.Value ?? string.Empty;
        var key = RequestKey(path, body);
        bool dropBefore, dropAfter, fail;
        int failStatus;
        TimeSpan delay, responseDelay;
        lock (_gate)
        {
            _totalRequests++;
            _requests[key] = _requests.GetValueOrDefault(key) + 1;
            var dropMatches = _dropKey is null || _dropKey == key;
            dropBefore = dropMatches && Take(ref _dropBefore);
            fail = !dropBefore && (_failKey is null || _failKey == key) && Take(ref _failNext);
            dropAfter = !dropBefore && !fail && dropMatches && Take(ref _dropAfter);
            failStatus = _failStatus;
            delay = Delay;
            responseDelay = ResponseDelay;
        }

        if (dropBefore)
        {
            context.Abort();
            return;
        }

        if (fail)
        {
            await WriteAsync(context, failStatus, InjectedError(failStatus, "Injected failure (emulator)")).ConfigureAwait(false);
            return;
        }

        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        (int Status, JsonNode? Body) answer;
        lock (_gate)
        {
            answer = Process(request.Method, path, request.Headers.Authorization.ToString(), request.Headers["X-Odoo-Database"].ToString(), body);
        }

        if (dropAfter)
        {
            context.Abort();
            return;
        }

        if (responseDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(responseDelay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await WriteAsync(context, answer.Status, answer.Body).ConfigureAwait(false);
    }

    private static bool Take(ref int counter)
    {
        if (counter <= 0)
        {
            return false;
        }

        counter--;
        return true;
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonNode? body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var text = body is null ? "null" : body.ToJsonString(s_json);
        try
        {
            await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away; nothing to answer.
        }
    }

    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private string RequestKey(string path, string body)
    {
        if (path.StartsWith("/json/2/", StringComparison.Ordinal))
        {
            var parts = path["/json/2/".Length..].Split('/');
            var key = parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : path;
            if (parts.Length >= 2 && parts[1] == "create")
            {
                RecordCreateSize(parts[0], TryParse(body)?["vals_list"]);
            }

            return key;
        }

        if (path == "/jsonrpc" && TryParse(body)?["params"] is JsonObject parameters)
        {
            var service = parameters["service"]?.ToString();
            var method = parameters["method"]?.ToString();
            if (service == "object" && method is "execute_kw" or "execute" && parameters["args"] is JsonArray { Count: >= 5 } args)
            {
                var model = args[3]?.ToString();
                var modelMethod = args[4]?.ToString();
                if (modelMethod == "create" && model is not null)
                {
                    RecordCreateSize(model, args.Count > 5 && args[5] is JsonArray positional && positional.Count > 0 ? positional[0] : (args.Count > 6 ? args[6]?["vals_list"] : null));
                }

                return $"{model}.{modelMethod}";
            }

            return $"{service}.{method}";
        }

        return path.TrimStart('/');
    }

    private void RecordCreateSize(string model, JsonNode? values)
    {
        var size = values switch
        {
            JsonArray list => list.Count,
            JsonObject => 1,
            _ => 0,
        };
        lock (_gate)
        {
            if (!_createSizes.TryGetValue(model, out var sizes))
            {
                sizes = [];
                _createSizes[model] = sizes;
            }

            sizes.Add(size);
        }
    }

    private static JsonNode? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject InjectedError(int status, string message)
    {
        var name = status switch
        {
            429 => "werkzeug.exceptions.TooManyRequests",
            500 => "werkzeug.exceptions.InternalServerError",
            502 => "werkzeug.exceptions.BadGateway",
            503 => "werkzeug.exceptions.ServiceUnavailable",
            504 => "werkzeug.exceptions.GatewayTimeout",
            _ => "werkzeug.exceptions.HTTPException",
        };
        return new OdooFault(name, message, status).ToData();
    }

    private JsonArray VersionInfo()
    {
        var version = OdooServerVersionParts(_options.ServerVersion);
        return new JsonArray(version.Major, version.Minor, 0, "final", 0, string.Empty);
    }

    private static (int Major, int Minor) OdooServerVersionParts(string text)
    {
        var parts = text.Split('.');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using TelemetryPipeline.TestKit.Odoo.Emulation;

namespace TelemetryPipeline.TestKit.Odoo;

/// <summary>The two wire protocols over the emulated database.</summary>
public sealed partial class OdooEmulator
{
    private (int Status, JsonNode? Body) Process(string httpMethod, string path, string authorization, string databaseHeader, string body)
    {
        if (path == "/jsonrpc")
        {
            return httpMethod == "POST" ? JsonRpc(body) : (405, InjectedError(405, "Method Not Allowed"));
        }

        if (path.StartsWith("/json/2/", StringComparison.Ordinal))
        {
            return httpMethod == "POST" ? Json2(path, authorization, databaseHeader, body) : (405, new OdooFault("werkzeug.exceptions.MethodNotAllowed", "The method is not allowed for the requested URL.", 405).ToData());
        }

        if (path == "/web/version")
        {
            return (200, new JsonObject { ["version_info"] = VersionInfo(), ["version"] = _options.ServerVersion });
        }

        return (404, new OdooFault(OdooFault.NotFound, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.", 404).ToData());
    }

    // ---- JSON-RPC --------------------------------------------------------------------------------

    private (int Status, JsonNode? Body) JsonRpc(string text)
    {
        JsonObject request;
        try
        {
            request = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return (400, new OdooFault(OdooFault.BadRequest, "Invalid JSON data", 400).ToData());
        }

        var id = request["id"]?.DeepClone();
        try
        {
            var parameters = request["params"] as JsonObject ?? [];
            var service = parameters["service"]?.ToString();
            var method = parameters["method"]?.ToString();
            var args = parameters["args"] as JsonArray ?? [];
            JsonNode? result = (service, method) switch
            {
                ("common", "version") => new JsonObject
                {
                    ["server_version"] = _options.ServerVersion,
                    ["server_version_info"] = VersionInfo(),
                    ["server_serie"] = _options.ServerVersion,
                    ["protocol_version"] = 1,
                },
                ("common", "login") => CommonLogin(args),
                ("common", "authenticate") => CommonLogin(args),
                ("object", "execute_kw") => ExecuteKw(args, withKwargs: true),
                ("object", "execute") => ExecuteKw(args, withKwargs: false),
                _ => throw new OdooFault("werkzeug.exceptions.NotFound", $"{service}.{method} is not a known service method", 404),
            };
            return (200, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result });
        }
        catch (OdooFault fault)
        {
            return (200, new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = id,
                ["error"] = new JsonObject { ["code"] = 0, ["message"] = "Odoo Server Error", ["data"] = fault.ToData() },
            });
        }
        catch (InjectedCreateFailure ex)
        {
            return (500, InjectedError(500, ex.Message));
        }
    }

    /// <summary><c>login</c> / <c>authenticate</c>: the uid, or <c>false</c> (not an error) for wrong credentials.</summary>
    private JsonNode CommonLogin(JsonArray args)
    {
        var database = args.Count > 0 ? args[0]?.ToString() ?? string.Empty : string.Empty;
        CheckDatabase(database);
        var login = args.Count > 1 ? args[1]?.ToString() ?? string.Empty : string.Empty;
        var secret = args.Count > 2 ? args[2]?.ToString() ?? string.Empty : string.Empty;
        return _db.Login(login, secret) is { } uid ? uid : false;
    }

    private JsonNode? ExecuteKw(JsonArray args, bool withKwargs)
    {
        if (args.Count < 5)
        {
            throw new OdooFault(OdooFault.TypeError, $"execute_kw() missing {5 - args.Count} required positional arguments");
        }

        CheckDatabase(args[0]?.ToString() ?? string.Empty);
        var uid = args[1] is JsonValue u && u.TryGetValue<long>(out var n) ? n : 0;
        var secret = args[2]?.ToString() ?? string.Empty;
        if (!_db.CheckSecret(uid, secret))
        {
            throw new OdooFault(OdooFault.AccessDenied, "Access Denied") { Debug = "odoo.exceptions.AccessDenied: Access Denied\n" };
        }

        var model = args[3]?.ToString() ?? string.Empty;
        var method = args[4]?.ToString() ?? string.Empty;
        JsonArray positional;
        JsonObject kwargs;
        if (withKwargs)
        {
            positional = args.Count > 5 && args[5] is JsonArray a ? (JsonArray)a.DeepClone() : [];
            kwargs = args.Count > 6 && args[6] is JsonObject k ? (JsonObject)k.DeepClone() : [];
        }
        else
        {
            positional = [];
            for (var i = 5; i < args.Count; i++)
            {
                positional.Add(args[i]?.DeepClone());
            }

            kwargs = [];
        }

        return _dispatcher.ExecuteKw(uid, model, method, positional, kwargs);
    }

    private void CheckDatabase(string database)
    {
        if (database != _db.Name)
        {
            throw new OdooFault("psycopg2.OperationalError", $"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"{database}\" does not exist\n");
        }
    }

    // ---- JSON-2 ----------------------------------------------------------------------------------

    private (int Status, JsonNode? Body) Json2(string path, string authorization, string databaseHeader, string text)
    {
        try
        {
            const string Bearer = "bearer ";
            if (!authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
            {
                throw new OdooFault(OdooFault.Unauthorized, "User not authenticated, use an API Key with a Bearer Authorization header.", 401);
            }

            var uid = _db.UidOfApiKey(authorization[Bearer.Length..].Trim())
                ?? throw new OdooFault(OdooFault.Unauthorized, "Invalid apikey", 401);
            if (databaseHeader.Length > 0 && databaseHeader != _db.Name)
            {
                throw new OdooFault(OdooFault.NotFound, $"database {EmulatedDatabase.Py(databaseHeader)} not found", 404);
            }

            var parts = path["/json/2/".Length..].Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new OdooFault(OdooFault.NotFound, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.", 404);
            }

            JsonObject body;
            try
            {
                body = string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
            }
            catch (JsonException)
            {
                throw new OdooFault(OdooFault.BadRequest, "Invalid JSON data", 400);
            }

            return (200, _dispatcher.Json2(uid, parts[0], parts[1], body));
        }
        catch (OdooFault fault)
        {
            return (fault.Json2Status, fault.ToData());
        }
        catch (InjectedCreateFailure ex)
        {
            return (500, InjectedError(500, ex.Message));
        }
    }
}

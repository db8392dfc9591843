using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>
/// Binds an external-API call to the ORM the way Odoo does for each protocol: JSON-RPC passes positional args
/// (record ids first for record methods) plus kwargs; JSON-2 passes named arguments and <c>ids</c>.
/// </summary>
internal sealed class RpcDispatcher
{
    private static readonly Dictionary<string, MethodSignature> s_methods = new(StringComparer.Ordinal)
    {
        ["search_read"] = new(false, ["domain", "fields", "offset", "limit", "order"], [], "BaseModel._read_format"),
        ["search"] = new(false, ["domain", "offset", "limit", "order"], ["domain"], null),
        ["search_count"] = new(false, ["domain", "limit"], ["domain"], null),
        ["read"] = new(true, ["fields", "load"], [], null),
        ["create"] = new(false, ["vals_list"], ["vals_list"], null),
        ["write"] = new(true, ["vals"], ["vals"], null),
        ["unlink"] = new(true, [], [], null),
        ["fields_get"] = new(false, ["allfields", "attributes"], [], null),
        ["load"] = new(false, ["fields", "data"], ["fields", "data"], null),
        ["action_post"] = new(true, [], [], null, "account.move"),
        ["context_get"] = new(false, [], [], null, "res.users"),
    };

    private readonly EmulatedDatabase _db;

    public RpcDispatcher(EmulatedDatabase db)
    {
        _db = db;
    }

    /// <summary>JSON-RPC <c>execute_kw</c> after authentication.</summary>
    public JsonNode? ExecuteKw(long uid, string model, string method, JsonArray args, JsonObject kwargs)
    {
        var (spec, signature) = Resolve(model, method, json2: false);
        var context = kwargs["context"] as JsonObject ?? [];
        kwargs.Remove("context");
        var env = new CallEnv(uid, context);
        var bound = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        List<long>? ids = null;
        var position = 0;
        if (signature.RecordMethod)
        {
            if (args.Count == 0)
            {
                throw new OdooFault(OdooFault.TypeError, $"BaseModel.{method}() missing 1 required positional argument: 'self'");
            }

            ids = Ids(args[0]);
            position = 1;
        }

        for (var p = 0; position < args.Count; position++, p++)
        {
            if (p >= signature.Parameters.Length)
            {
                throw new OdooFault(OdooFault.TypeError, $"BaseModel.{method}() takes {signature.Parameters.Length + 1} positional arguments but {args.Count + (signature.RecordMethod ? 0 : 1)} were given");
            }

            bound[signature.Parameters[p]] = args[position];
        }

        foreach (var (name, value) in kwargs)
        {
            if (Array.IndexOf(signature.Parameters, name) < 0)
            {
                var owner = signature.KwargsSink ?? $"BaseModel.{method}";
                throw new OdooFault(OdooFault.TypeError, $"{owner}() got an unexpected keyword argument {EmulatedDatabase.Py(name)}");
            }

            if (bound.ContainsKey(name))
            {
                throw new OdooFault(OdooFault.TypeError, $"BaseModel.{method}() got multiple values for argument {EmulatedDatabase.Py(name)}");
            }

            bound[name] = value;
        }

        foreach (var required in signature.Required)
        {
            if (!bound.ContainsKey(required))
            {
                throw new OdooFault(OdooFault.TypeError, $"BaseModel.{method}() missing 1 required positional argument: {EmulatedDatabase.Py(required)}");
            }
        }

        return Invoke(env, spec, method, ids, bound, json2: false);
    }

    /// <summary>JSON-2 <c>/json/2/&lt;model&gt;/&lt;method&gt;</c> after authentication.</summary>
    public JsonNode? Json2(long uid, string model, string method, JsonObject body)
    {
        var (spec, signature) = Resolve(model, method, json2: true);
        var context = body["context"] as JsonObject ?? [];
        body.Remove("context");
        List<long>? ids = null;
        if (body.ContainsKey("ids"))
        {
            if (!signature.RecordMethod)
            {
                throw new OdooFault(OdooFault.UnprocessableEntity, $"cannot call {model}.{method} with ids", 422);
            }

            ids = Ids(body["ids"]);
            body.Remove("ids");
        }

        var bound = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, value) in body)
        {
            if (Array.IndexOf(signature.Parameters, name) < 0)
            {
                if (signature.KwargsSink is { } sink)
                {
                    throw new OdooFault(OdooFault.TypeError, $"{sink}() got an unexpected keyword argument {EmulatedDatabase.Py(name)}");
                }

                throw new OdooFault(OdooFault.UnprocessableEntity, $"got an unexpected keyword argument {EmulatedDatabase.Py(name)}", 422);
            }

            bound[name] = value;
        }

        foreach (var required in signature.Required)
        {
            if (!bound.ContainsKey(required))
            {
                throw new OdooFault(OdooFault.UnprocessableEntity, $"missing a required argument: {EmulatedDatabase.Py(required)}", 422);
            }
        }

        return Invoke(new CallEnv(uid, context), spec, method, ids ?? (signature.RecordMethod ? [] : null), bound, json2: true);
    }

    private (ModelSpec Spec, MethodSignature Signature) Resolve(string model, string method, bool json2)
    {
        if (!_db.TryModel(model, out var spec))
        {
            throw json2
                ? new OdooFault(OdooFault.NotFound, $"the model {EmulatedDatabase.Py(model)} does not exist", 404)
                : new OdooFault(OdooFault.UserError, $"Object {model} doesn't exist");
        }

        if (method.StartsWith('_'))
        {
            throw new OdooFault(OdooFault.AccessError, $"Private methods (such as '{model}.{method}') cannot be called remotely.");
        }

        if (!s_methods.TryGetValue(method, out var signature) || (signature.OnlyModel is { } only && only != model))
        {
            throw json2
                ? new OdooFault(OdooFault.NotFound, $"The method '{model}.{method}' does not exist", 404)
                : new OdooFault(OdooFault.AttributeError, $"The method '{model}.{method}' does not exist");
        }

        return (spec, signature);
    }

    private JsonNode? Invoke(CallEnv env, ModelSpec model, string method, List<long>? ids, Dictionary<string, JsonNode?> args, bool json2)
    {
        switch (method)
        {
            case "search_read":
            {
                var found = _db.Search(env, model, Domain(args), Long(args, "offset") ?? 0, Long(args, "limit"), Text(args, "order"));
                return _db.Read(env, model, found, args.GetValueOrDefault("fields"));
            }

            case "search":
            {
                var found = _db.Search(env, model, Domain(args), Long(args, "offset") ?? 0, Long(args, "limit"), Text(args, "order"));
                return IdArray(found);
            }

            case "search_count":
            {
                var found = _db.Search(env, model, Domain(args), 0, Long(args, "limit"), null);
                return found.Count;
            }

            case "read":
                return _db.Read(env, model, ids ?? [], args.GetValueOrDefault("fields"));
            case "create":
            {
                var values = args["vals_list"];
                var single = values is JsonObject;
                var list = new List<JsonObject>();
                if (values is JsonObject one)
                {
                    list.Add(one);
                }
                else if (values is JsonArray many)
                {
                    foreach (var item in many)
                    {
                        list.Add(item as JsonObject ?? throw new OdooFault(OdooFault.ValueError, "vals_list must contain dicts"));
                    }
                }
                else
                {
                    throw new OdooFault(OdooFault.ValueError, "vals_list must be a dict or a list of dicts");
                }

                var created = _db.Create(env, model, list);
                return single && !json2 ? created[0] : IdArray(created);
            }

            case "write":
                _db.Write(env, model, ids ?? [], args["vals"] as JsonObject ?? throw new OdooFault(OdooFault.ValueError, "vals must be a dict"));
                return true;
            case "unlink":
                _db.Unlink(env, model, ids ?? []);
                return true;
            case "fields_get":
                _db.CheckAccess(env, model, "read");
                return _db.FieldsGet(model, args.GetValueOrDefault("allfields"), args.GetValueOrDefault("attributes"));
            case "load":
                return _db.Load(env, model, args["fields"]!.AsArray(), args["data"]!.AsArray());
            case "action_post":
                _db.ActionPost(env, ids ?? []);
                return false;
            case "context_get":
                return new JsonObject { ["lang"] = "en_US", ["tz"] = false, ["uid"] = env.Uid };
            default:
                throw new OdooFault(OdooFault.AttributeError, $"The method '{model.Name}.{method}' does not exist");
        }
    }

    private static JsonArray Domain(Dictionary<string, JsonNode?> args) =>
        args.GetValueOrDefault("domain") switch
        {
            JsonArray domain => domain,
            null => [],
            JsonValue v when v.GetValueKind() == JsonValueKind.False => [],
            var other => throw new OdooFault(OdooFault.ValueError, $"Invalid domain: {other.ToJsonString()}"),
        };

    private static long? Long(Dictionary<string, JsonNode?> args, string name) =>
        args.GetValueOrDefault(name) is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private static string? Text(Dictionary<string, JsonNode?> args, string name) =>
        args.GetValueOrDefault(name) is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static List<long> Ids(JsonNode? node)
    {
        var ids = new List<long>();
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    ids.Add(item!.GetValue<long>());
                }

                break;
            case JsonValue single when single.TryGetValue<long>(out var id):
                ids.Add(id);
                break;
            default:
                break;
        }

        return ids;
    }

    private static JsonArray IdArray(List<long> ids)
    {
        var array = new JsonArray();
        foreach (var id in ids)
        {
            array.Add(id);
        }

        return array;
    }

    private sealed record MethodSignature(bool RecordMethod, string[] Parameters, string[] Required, string? KwargsSink, string? OnlyModel = null);
}

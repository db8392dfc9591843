using System.Net;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Turns Odoo's error shapes into <see cref="OdooException"/>s. JSON-RPC reports every error as HTTP 200 with
/// <c>error.data.name</c> (the Python exception class); JSON-2 uses real statuses with a body
/// <c>{name, message, arguments, context, debug}</c>. The traceback (<c>debug</c>) is never kept.
/// </summary>
internal static class OdooErrors
{
    /// <summary>Classifies an Odoo exception by its Python class name (JSON-RPC <c>data.name</c>, JSON-2 <c>name</c>).</summary>
    public static (OdooErrorKind Kind, bool Retriable) ByName(string? name, string message)
    {
        switch (name)
        {
            case "odoo.exceptions.AccessDenied":
            case "werkzeug.exceptions.Unauthorized":
                return (OdooErrorKind.Authentication, false);
            case "odoo.exceptions.AccessError":
            case "werkzeug.exceptions.Forbidden":
                return (OdooErrorKind.AccessDenied, false);
            case "odoo.exceptions.MissingError":
            case "werkzeug.exceptions.NotFound":
                return (OdooErrorKind.MissingRecord, false);
            case "odoo.exceptions.UserError" when message.StartsWith("Object ", StringComparison.Ordinal) && message.EndsWith("doesn't exist", StringComparison.Ordinal):
                // JSON-RPC reports an unknown model as a UserError; JSON-2 as 404. Same meaning, same kind.
                return (OdooErrorKind.MissingRecord, false);
            case "odoo.exceptions.ValidationError":
            case "odoo.exceptions.UserError":
            case "odoo.exceptions.RedirectWarning":
            case "builtins.ValueError":
            case "werkzeug.exceptions.UnprocessableEntity":
            case "werkzeug.exceptions.BadRequest":
                return (OdooErrorKind.Validation, false);
            case null:
                return (OdooErrorKind.Server, true);
            default:
                if (name.Contains("SerializationFailure", StringComparison.Ordinal)
                    || name.Contains("DeadlockDetected", StringComparison.Ordinal)
                    || name.Contains("LockNotAvailable", StringComparison.Ordinal)
                    || name.Contains("ServiceUnavailable", StringComparison.Ordinal)
                    || name.Contains("GatewayTimeout", StringComparison.Ordinal))
                {
                    return (OdooErrorKind.Server, true);
                }

                // builtins.TypeError / KeyError / AttributeError and the like are deterministic bugs in the request:
                // the same call fails the same way, so they are not worth a retry even when JSON-2 answers 500.
                if (name.StartsWith("builtins.", StringComparison.Ordinal))
                {
                    return (OdooErrorKind.Server, false);
                }

                return (OdooErrorKind.Server, false);
        }
    }

    /// <summary>An exception from a JSON-RPC <c>error</c> object (always HTTP 200).</summary>
    public static OdooException FromJsonRpcError(JsonObject error, string operation, string apiKey)
    {
        var data = error["data"] as JsonObject;
        var name = data?["name"]?.GetValue<string>();
        var message = data?["message"]?.GetValue<string>() ?? error["message"]?.GetValue<string>() ?? "Odoo Server Error";
        message = OdooSecrets.Redact(message, apiKey);
        var (kind, retriable) = ByName(name, message);
        if (name is "psycopg2.OperationalError" && message.Contains("does not exist", StringComparison.Ordinal))
        {
            // An unknown database is a configuration error, not a passing outage.
            retriable = false;
        }

        return new OdooException(kind, message, retriable, name, 200, operation);
    }

    /// <summary>An exception from a non-2xx JSON-2 (or JSON-RPC) HTTP response.</summary>
    public static OdooException FromHttpStatus(int status, JsonNode? body, string rawBody, string operation, string apiKey)
    {
        string? name = null;
        string message;
        if (body is JsonObject obj && obj["message"] is JsonValue messageValue && messageValue.TryGetValue<string>(out var odooMessage))
        {
            name = obj["name"] is JsonValue nameValue && nameValue.TryGetValue<string>(out var n) ? n : null;
            message = odooMessage;
        }
        else
        {
            var snippet = rawBody.Length > 200 ? rawBody[..200] + "…" : rawBody;
            message = $"HTTP {status} {ReasonPhrase(status)}{(snippet.Length > 0 ? ": " + snippet.Trim() : string.Empty)}";
        }

        message = OdooSecrets.Redact(message, apiKey);
        OdooErrorKind kind;
        bool retriable;
        if (status >= 500 || status == 429 || status == 408)
        {
            kind = OdooErrorKind.Server;
            var byName = ByName(name, message);
            retriable = name is null || byName.Retriable || !name.StartsWith("builtins.", StringComparison.Ordinal);
        }
        else
        {
            (kind, retriable) = status switch
            {
                401 => (OdooErrorKind.Authentication, false),
                403 => (OdooErrorKind.AccessDenied, false),
                404 => (OdooErrorKind.MissingRecord, false),
                400 or 409 or 422 => (OdooErrorKind.Validation, false),
                _ => name is null ? (OdooErrorKind.Server, false) : ByName(name, message),
            };
        }

        return new OdooException(kind, message, retriable, name, status, operation);
    }

    private static string ReasonPhrase(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : string.Empty;
}

/// <summary>Keeps the API key out of every text that leaves the client (messages, logs).</summary>
internal static class OdooSecrets
{
    public static string Redact(string text, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 4 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        return text.Replace(secret, "***", StringComparison.Ordinal);
    }
}

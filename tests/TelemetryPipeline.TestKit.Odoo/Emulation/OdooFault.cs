using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>
/// A Python exception as Odoo would raise it: its class (<see cref="Name"/>), message and, for werkzeug HTTP
/// exceptions, their status (which Odoo appends to <c>arguments</c>).
/// </summary>
internal sealed class OdooFault : Exception
{
    public const string ValidationError = "odoo.exceptions.ValidationError";
    public const string UserError = "odoo.exceptions.UserError";
    public const string AccessError = "odoo.exceptions.AccessError";
    public const string AccessDenied = "odoo.exceptions.AccessDenied";
    public const string MissingError = "odoo.exceptions.MissingError";
    public const string ValueError = "builtins.ValueError";
    public const string TypeError = "builtins.TypeError";
    public const string AttributeError = "builtins.AttributeError";
    public const string Unauthorized = "werkzeug.exceptions.Unauthorized";
    public const string NotFound = "werkzeug.exceptions.NotFound";
    public const string UnprocessableEntity = "werkzeug.exceptions.UnprocessableEntity";
    public const string BadRequest = "werkzeug.exceptions.BadRequest";

    public OdooFault(string name, string message, int? werkzeugStatus = null)
        : base(message)
    {
        Name = name;
        WerkzeugStatus = werkzeugStatus;
    }

    public OdooFault()
        : this(UserError, "error")
    {
    }

    public OdooFault(string message)
        : this(UserError, message)
    {
    }

    public OdooFault(string message, Exception innerException)
        : base(message, innerException)
    {
        Name = UserError;
    }

    public string Name { get; }

    public int? WerkzeugStatus { get; }

    /// <summary>Custom traceback text (Odoo prints a one-liner for AccessDenied on execute_kw).</summary>
    public string? Debug { get; init; }

    /// <summary>
    /// The JSON-2 status: werkzeug exceptions carry theirs; AccessDenied 401, AccessError 403, MissingError 404,
    /// other UserErrors (ValidationError, UserError) 422; anything else 500 (a TypeError is 500 in the recordings).
    /// </summary>
    public int Json2Status => WerkzeugStatus ?? Name switch
    {
        AccessDenied => 401,
        AccessError => 403,
        MissingError => 404,
        ValidationError or UserError or "odoo.exceptions.RedirectWarning" => 422,
        _ => 500,
    };

    /// <summary><c>{name, message, arguments, context, debug}</c>: the JSON-2 body and JSON-RPC's <c>error.data</c>.</summary>
    public JsonObject ToData()
    {
        var arguments = new JsonArray(Message);
        if (WerkzeugStatus is { } status)
        {
            arguments.Add(status);
        }

        return new JsonObject
        {
            ["name"] = Name,
            ["message"] = Message,
            ["arguments"] = arguments,
            ["context"] = new JsonObject(),
            ["debug"] = Debug ?? $"Traceback (most recent call last):\n  File \"/opt/odoo/odoo/http.py\", line 2273, in _serve_db\n    return service_model.retrying(serve_func, env=self.env)\n  (emulated)\n{Name}: {Message}\n",
        };
    }
}

namespace TelemetryPipeline.Odoo;

/// <summary>What kind of failure an Odoo call met, i.e. what the caller should do about it.</summary>
public enum OdooErrorKind
{
    /// <summary>The user lacks a group or record rule (<c>odoo.exceptions.AccessError</c>, JSON-2 403): grant rights.</summary>
    AccessDenied,

    /// <summary>Odoo refused the values (<c>ValidationError</c>, <c>UserError</c>, <c>ValueError</c>, JSON-2 422): fix the record; retrying changes nothing.</summary>
    Validation,

    /// <summary>A model, method or record does not exist (<c>MissingError</c>, JSON-2 404).</summary>
    MissingRecord,

    /// <summary>Bad login, API key or database (<c>AccessDenied</c>, JSON-2 401, <c>authenticate</c> returning false).</summary>
    Authentication,

    /// <summary>No usable HTTP exchange: connection refused or reset, timeout, truncated or non-JSON body. Retriable.</summary>
    Transport,

    /// <summary>Odoo failed on its side (HTTP 5xx or an unclassified server exception).</summary>
    Server,
}

/// <summary>
/// A failed Odoo call, classified by <see cref="Kind"/>. <see cref="OdooMessage"/> is Odoo's own text (never the
/// traceback, never the API key), so it can be shown to finance as the reason a posting failed.
/// </summary>
public sealed class OdooException : Exception
{
    public OdooException(OdooErrorKind kind, string odooMessage, bool isRetriable, string? odooName = null, int? httpStatus = null, string? operation = null, Exception? innerException = null)
        : base(Compose(kind, odooMessage, operation), innerException)
    {
        Kind = kind;
        OdooMessage = odooMessage;
        IsRetriable = isRetriable;
        OdooName = odooName;
        HttpStatus = httpStatus;
        Operation = operation;
    }

    public OdooException()
        : this(OdooErrorKind.Server, "Odoo call failed.", false)
    {
    }

    public OdooException(string message)
        : this(OdooErrorKind.Server, message, false)
    {
    }

    public OdooException(string message, Exception innerException)
        : this(OdooErrorKind.Server, message, false, innerException: innerException)
    {
    }

    /// <summary>The class of failure.</summary>
    public OdooErrorKind Kind { get; }

    /// <summary>Odoo's message (e.g. "At least one analytic account must be set"), or ours for transport failures.</summary>
    public string OdooMessage { get; }

    /// <summary>True when the same call may succeed later (transport errors, 5xx); the poster retries only these.</summary>
    public bool IsRetriable { get; }

    /// <summary>Odoo's exception class, e.g. <c>odoo.exceptions.ValidationError</c>, when Odoo named one.</summary>
    public string? OdooName { get; }

    /// <summary>HTTP status of the response, when there was one.</summary>
    public int? HttpStatus { get; }

    /// <summary>The call that failed, e.g. <c>account.analytic.line.create</c>.</summary>
    public string? Operation { get; }

    private static string Compose(OdooErrorKind kind, string odooMessage, string? operation) =>
        operation is null ? $"Odoo {kind}: {odooMessage}" : $"Odoo {kind} on {operation}: {odooMessage}";
}

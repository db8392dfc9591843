using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Odoo's external API, whichever protocol carries it (<see cref="OdooJson2Client"/> or <see cref="OdooJsonRpcClient"/>).
/// Domains are Odoo domains as JSON (<c>[["ref","in",["a","b"]]]</c>, see <see cref="OdooDomain"/>); many2one values
/// come back as <c>[id, "display name"]</c> or <c>false</c>. Every failure is an <see cref="OdooException"/>.
/// Calls are single attempts: retries belong to the caller, which knows whether a call is safe to repeat.
/// </summary>
public interface IOdooClient
{
    /// <summary><c>json2</c> or <c>jsonrpc</c>.</summary>
    string Protocol { get; }

    /// <summary>The Odoo company the calls run in (their <c>allowed_company_ids</c>): searches see its records, creates land in it.</summary>
    long CompanyId { get; }

    /// <summary>
    /// A client over the same connection and credentials whose calls run in <paramref name="companyId"/> (this client when
    /// they already do). Cheap; callers keep one per company.
    /// </summary>
    IOdooClient ForCompany(long companyId);

    /// <summary>The server's version (no authentication needed).</summary>
    Task<OdooServerVersion> VersionAsync(CancellationToken ct = default);

    /// <summary>Checks the credentials and returns the integration user's id; throws <see cref="OdooErrorKind.Authentication"/> when refused.</summary>
    Task<long> AuthenticateAsync(CancellationToken ct = default);

    /// <summary><c>search_read</c>: the records matching <paramref name="domain"/> with <c>id</c> plus <paramref name="fields"/>.</summary>
    Task<IReadOnlyList<JsonObject>> SearchReadAsync(string model, JsonArray domain, IReadOnlyList<string> fields, int? limit = null, string? order = null, CancellationToken ct = default);

    /// <summary><c>search_count</c>: how many records match <paramref name="domain"/>.</summary>
    Task<long> SearchCountAsync(string model, JsonArray domain, CancellationToken ct = default);

    /// <summary><c>create</c> with a list of value dicts in one call (one transaction in Odoo); ids come back in input order.</summary>
    Task<IReadOnlyList<long>> CreateAsync(string model, IReadOnlyList<JsonObject> values, CancellationToken ct = default);

    /// <summary><c>read</c>: the given records (missing ids are left out) with <c>id</c> plus <paramref name="fields"/>.</summary>
    Task<IReadOnlyList<JsonObject>> ReadAsync(string model, IReadOnlyList<long> ids, IReadOnlyList<string> fields, CancellationToken ct = default);

    /// <summary><c>write</c> the same values on every given record.</summary>
    Task WriteAsync(string model, IReadOnlyList<long> ids, JsonObject values, CancellationToken ct = default);

    /// <summary>
    /// Any other public method: record methods get <paramref name="ids"/> (JSON-2 <c>ids</c>, JSON-RPC first positional
    /// argument); model methods pass null. Arguments are named (<paramref name="kwargs"/>), as JSON-2 requires.
    /// </summary>
    Task<JsonNode?> CallAsync(string model, string method, IReadOnlyList<long>? ids, JsonObject? kwargs, CancellationToken ct = default);
}

/// <summary>What <c>common.version</c> / <c>/web/version</c> report, e.g. 19.0.</summary>
public sealed record OdooServerVersion(string ServerVersion, int Major, int Minor)
{
    /// <summary>Parses "19.0", "saas~18.3" or "17.0+e" into major/minor (0 when unknown).</summary>
    public static OdooServerVersion Parse(string serverVersion)
    {
        var text = serverVersion;
        var tilde = text.IndexOf('~', StringComparison.Ordinal);
        if (tilde >= 0)
        {
            text = text[(tilde + 1)..];
        }

        var parts = text.Split('.', 3);
        var major = parts.Length > 0 ? LeadingInt(parts[0]) : 0;
        var minor = parts.Length > 1 ? LeadingInt(parts[1]) : 0;
        return new OdooServerVersion(serverVersion, major, minor);
    }

    private static int LeadingInt(string text)
    {
        var value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                break;
            }

            value = (value * 10) + (c - '0');
        }

        return value;
    }
}

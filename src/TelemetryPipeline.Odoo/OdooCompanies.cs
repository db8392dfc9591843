using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>An Odoo company as posting needs it: the currency it keeps amounts in (null when Odoo did not say).</summary>
internal sealed record OdooCompany(long Id, string Name, string? Currency)
{
    /// <summary>
    /// Reads the company in its own context: Odoo's company rule only shows the companies of <c>allowed_company_ids</c>.
    /// Null when it does not exist.
    /// </summary>
    public static async Task<OdooCompany?> ReadAsync(IOdooClient client, long companyId, CancellationToken ct)
    {
        var companies = await client.SearchReadAsync("res.company", OdooPoster.ById(companyId), ["name", "currency_id"], ct: ct).ConfigureAwait(false);
        if (companies.Count == 0)
        {
            return null;
        }

        var currency = companies[0]["currency_id"] is JsonArray { Count: > 1 } pair ? OdooCalls.Text(pair[1]) : null;
        return new OdooCompany(companyId, OdooCalls.Text(companies[0]["name"]) ?? string.Empty, currency);
    }

    /// <summary>
    /// Null when allocations in <paramref name="currency"/> may be posted into this company (it keeps that currency, or
    /// its currency is unknown), else why not and which key to set. Odoo keeps analytic amounts in the company currency
    /// and ignores a currency sent with the values, so a mismatch would silently relabel the amount.
    /// </summary>
    public string? Refuses(string currency, OdooOptions options)
    {
        if (Currency is null || string.Equals(Currency, currency, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var key = OdooOptions.CompanyKey(currency);
        return options.MappedCompany(currency) is null
            ? string.Create(CultureInfo.InvariantCulture, $"allocation is in {currency} but Odoo company {Id} keeps amounts in {Currency}; amounts are never converted: set {key} to the id of the Odoo company that keeps amounts in {currency}")
            : string.Create(CultureInfo.InvariantCulture, $"allocation is in {currency} but Odoo company {Id} ({key}) keeps amounts in {Currency}; amounts are never converted: set {key} to the id of the Odoo company that keeps amounts in {currency}");
    }
}

/// <summary>
/// One client per Odoo company, created on first use from the configured one: same connection (one <see cref="HttpClient"/>),
/// credentials and session, each call in its own company's context.
/// </summary>
internal sealed class OdooCompanyClients
{
    private readonly IOdooClient _client;
    private readonly ConcurrentDictionary<long, IOdooClient> _clients = new();

    public OdooCompanyClients(IOdooClient client)
    {
        _client = client;
        _clients[client.CompanyId] = client;
    }

    /// <summary>The client whose calls run in <paramref name="companyId"/>.</summary>
    public IOdooClient For(long companyId) => _clients.GetOrAdd(companyId, static (id, client) => client.ForCompany(id), _client);
}

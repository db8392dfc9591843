using System.Text.Json.Nodes;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>Currencies and companies set up from code (Odoo does this in Settings).</summary>
internal sealed partial class EmulatedDatabase
{
    /// <summary>The id of the currency with ISO code <paramref name="code"/>, activated (Odoo ships most inactive) or created.</summary>
    public long EnsureCurrency(CallEnv env, string code)
    {
        var name = code.ToUpperInvariant();
        foreach (var currency in Model("res.currency").Rows.Values)
        {
            if ((string?)currency["name"] == name)
            {
                currency["active"] = true;
                return currency.Id;
            }
        }

        return Create(env, Model("res.currency"), [new JsonObject { ["name"] = name, ["symbol"] = name, ["rounding"] = 0.01 }])[0];
    }

    /// <summary>Adds <paramref name="companyId"/> to the user's allowed companies (Settings > Users > Allowed Companies).</summary>
    public void AllowCompany(long uid, long companyId)
    {
        var companies = (List<long>)Model("res.users").Rows[uid]["company_ids"]!;
        if (!companies.Contains(companyId))
        {
            companies.Add(companyId);
        }
    }
}

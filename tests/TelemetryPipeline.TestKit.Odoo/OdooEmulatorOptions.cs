using System.Security.Cryptography;

namespace TelemetryPipeline.TestKit.Odoo;

/// <summary>How the emulated Odoo starts. Defaults: database <c>alloc</c>, user <c>admin</c> with a random password and API key.</summary>
public sealed record OdooEmulatorOptions
{
    /// <summary>The only database the server knows (others are "does not exist").</summary>
    public string Database { get; init; } = "alloc";

    /// <summary>The administrator's login (uid 2).</summary>
    public string Login { get; init; } = "admin";

    /// <summary>The administrator's password; random unless set (the recordings used "admin").</summary>
    public string Password { get; init; } = NewSecret(12);

    /// <summary>The administrator's API key; random unless set.</summary>
    public string ApiKey { get; init; } = NewSecret(20);

    /// <summary>
    /// Give the administrator the "Analytic Accounting" group at start. True by default for convenience; the
    /// recorded fresh database did not (fixture 09 is the AccessError that follows), so fixture replay sets false.
    /// </summary>
    public bool GrantAnalyticAccounting { get; init; } = true;

    /// <summary>What <c>common.version</c> and <c>/web/version</c> report.</summary>
    public string ServerVersion { get; init; } = "19.0";

    private static string NewSecret(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}

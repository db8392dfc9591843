using Xunit.Abstractions;
using Xunit.Sdk;

namespace TelemetryPipeline.Odoo.Tests.Support;

/// <summary>Marks a contract test class that targets a real Odoo: its tests are skipped, with the reason, unless configured.</summary>
public interface IRealOdooTarget
{
}

/// <summary>A fact that runs everywhere, except in <see cref="IRealOdooTarget"/> classes when no real Odoo is configured.</summary>
[XunitTestCaseDiscoverer("TelemetryPipeline.Odoo.Tests.Support.OdooFactDiscoverer", "TelemetryPipeline.Odoo.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class OdooFactAttribute : FactAttribute
{
}

/// <summary>Skips <see cref="IRealOdooTarget"/> tests with <see cref="RealOdoo.SkipReason"/> when the environment does not name an Odoo.</summary>
public sealed class OdooFactDiscoverer : IXunitTestCaseDiscoverer
{
    private readonly IMessageSink _sink;

    public OdooFactDiscoverer(IMessageSink diagnosticMessageSink)
    {
        _sink = diagnosticMessageSink;
    }

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        if (typeof(IRealOdooTarget).IsAssignableFrom(testClass) && RealOdoo.SkipReason is { } reason)
        {
            yield return new XunitSkippedDataRowTestCase(_sink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
            yield break;
        }

        yield return new XunitTestCase(_sink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A real Odoo named by TP_ODOO_URL, TP_ODOO_DB, TP_ODOO_KEY (and TP_ODOO_LOGIN for JSON-RPC, default admin).</summary>
public static class RealOdoo
{
    public static string? Url => Environment.GetEnvironmentVariable("TP_ODOO_URL");

    public static string? Database => Environment.GetEnvironmentVariable("TP_ODOO_DB");

    public static string? Key => Environment.GetEnvironmentVariable("TP_ODOO_KEY");

    public static string Login => Environment.GetEnvironmentVariable("TP_ODOO_LOGIN") is { Length: > 0 } login ? login : "admin";

    public static string? SkipReason =>
        string.IsNullOrEmpty(Url) || string.IsNullOrEmpty(Database) || string.IsNullOrEmpty(Key)
            ? "No real Odoo configured: set TP_ODOO_URL, TP_ODOO_DB and TP_ODOO_KEY (and TP_ODOO_LOGIN for JSON-RPC, default admin) to run this contract against it"
            : null;
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TelemetryPipeline.Odoo;

/// <summary>Picks the client for <see cref="OdooOptions.Protocol"/>.</summary>
public static class OdooClientFactory
{
    /// <summary>A JSON-2 or JSON-RPC client over <paramref name="http"/>, after validating <paramref name="options"/>.</summary>
    public static IOdooClient Create(HttpClient http, OdooOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggers ??= NullLoggerFactory.Instance;
        return options.UsesJson2
            ? new OdooJson2Client(http, options, loggers.CreateLogger<OdooJson2Client>())
            : new OdooJsonRpcClient(http, options, loggers.CreateLogger<OdooJsonRpcClient>());
    }
}

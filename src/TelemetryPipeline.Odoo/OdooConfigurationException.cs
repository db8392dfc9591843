namespace TelemetryPipeline.Odoo;

/// <summary>A bad or missing Odoo setting; <see cref="Key"/> names it as configured (<c>Odoo:BatchSize</c>).</summary>
public sealed class OdooConfigurationException : Exception
{
    public OdooConfigurationException(string key, string message)
        : base(message)
    {
        Key = key;
    }

    public OdooConfigurationException()
    {
        Key = string.Empty;
    }

    public OdooConfigurationException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public OdooConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    /// <summary>The configuration key at fault, e.g. <c>Odoo:ApiKeyFile</c>.</summary>
    public string Key { get; }
}

using Microsoft.Extensions.Configuration;

namespace TelemetryPipeline;

/// <summary>
/// Configuration for every verb: <c>appsettings.json</c> next to the binary, an optional <c>--config</c> file, then
/// environment variables <c>TP__Section__Key</c> (which win). Sections bind to immutable options records that are
/// validated once at start-up; a bad value stops the process with a message naming the key.
/// </summary>
internal static class AppConfiguration
{
    public const string EnvironmentPrefix = "TP__";

    public static IConfigurationRoot Load(string? configFile)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new ConfigurationException($"--config: file '{configFile}' does not exist.");
            }

            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        return builder.AddEnvironmentVariables(EnvironmentPrefix).Build();
    }

    /// <summary>Binds a section to <typeparamref name="T"/>; a value of the wrong type is reported with its key.</summary>
    public static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException($"Configuration section '{section}': {ex.Message}", ex);
        }
    }
}

/// <summary>A configuration value that cannot work; the message names the key and what it may be.</summary>
internal sealed class ConfigurationException : Exception
{
    public ConfigurationException()
    {
    }

    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

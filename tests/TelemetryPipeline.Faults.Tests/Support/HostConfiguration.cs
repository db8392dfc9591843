using Microsoft.Extensions.Configuration;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.Web;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>
/// Deployment settings checked the way the host reads them: appsettings.json, then a --config file, then TP__ variables;
/// each section bound with unknown keys as errors (as AppConfiguration.Bind does) and validated by its options record.
/// </summary>
internal static class HostConfiguration
{
    public const string Prefix = "TP__";

    public static readonly string[] Sections = ["Kafka", "Redis", "Ingest", "Ledger", "Settlement", "Odoo", "Web", "Run"];

    /// <summary>KEY=VALUE lines of an env file (comments and blank lines skipped).</summary>
    public static Dictionary<string, string> ReadEnvFile(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InvalidDataException($"{path}: '{line}' is not KEY=VALUE.");
            }

            result[line[..eq]] = line[(eq + 1)..];
        }

        return result;
    }

    /// <summary>
    /// Binds and validates every section from <paramref name="variables"/> (only TP__ ones count) over the host's
    /// appsettings.json and <paramref name="configFile"/>. Files the settings name (users file, API key file) are
    /// checked for presence by the options; they live in secrets at run time, so temp files stand in for them here.
    /// Returns the problems found (empty: the host would start with these settings).
    /// </summary>
    public static List<string> Check(IReadOnlyDictionary<string, string> variables, string? configFile)
    {
        var problems = new List<string>();
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("src", "TelemetryPipeline", "appsettings.json"), optional: false, reloadOnChange: false);
        if (configFile is not null)
        {
            builder.AddJsonFile(configFile, optional: false, reloadOnChange: false);
        }

        var flat = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in variables)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string path = key[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            string section = path.Split(':')[0];
            if (!Sections.Contains(section, StringComparer.Ordinal))
            {
                problems.Add($"{key}: section '{section}' is not one the host reads ({string.Join(", ", Sections)}).");
            }

            flat[path] = value;
        }

        IConfigurationRoot configuration = builder.AddInMemoryCollection(flat).Build();
        string standIn = Path.GetTempFileName();
        try
        {
            Try(problems, "Kafka", () => Bind<KafkaOptions>(configuration, KafkaOptions.Section).Validate());
            Try(problems, "Redis", () => Bind<RedisOptions>(configuration, RedisOptions.Section).Validate());
            Try(problems, "Ingest", () => Bind<IngestOptions>(configuration, IngestOptions.Section).Validate());
            Try(problems, "Ledger", () => Bind<LedgerOptions>(configuration, LedgerOptions.Section).Validate());
            Try(problems, "Settlement", () => Bind<SettlementOptions>(configuration, SettlementOptions.SectionName).Validate());
            Try(problems, "Odoo", () =>
            {
                OdooOptions odoo = Bind<OdooOptions>(configuration, OdooOptions.Section);
                (odoo.ApiKeyFile is null ? odoo : odoo with { ApiKeyFile = standIn }).Validate();
            });
            Try(problems, "Web", () =>
            {
                WebOptions web = Bind<WebOptions>(configuration, WebOptions.Section);
                (web.UsersFile is null ? web : web with { UsersFile = standIn }).Validate();
            });
        }
        finally
        {
            File.Delete(standIn);
        }

        return problems;
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new() =>
        configuration.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();

    private static void Try(List<string> problems, string section, Action check)
    {
        try
        {
            check();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problems.Add($"{section}: {ex.GetType().Name}: {ex.Message}");
        }
    }
}

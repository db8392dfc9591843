using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Verbs;

/// <summary>Runs a verb with the loaded configuration and turns set-up errors into one clear line and exit code 2.</summary>
internal static class VerbAction
{
    public const int ConfigurationError = 2;

    public static Option<string?> ConfigOption { get; } = new("--config")
    {
        Description = "Extra JSON configuration file (layered over appsettings.json, under TP__ environment variables).",
        Recursive = true,
    };

    public static void Set(Command command, Func<VerbContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                IConfigurationRoot configuration = AppConfiguration.Load(parse.GetValue(ConfigOption));
                using ILoggerFactory loggers = CreateLoggers(configuration);
                return await action(new VerbContext(parse, configuration, loggers), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130;
            }
            catch (Exception ex) when (ex is ConfigurationException or KafkaSetupException or ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ConfigurationError;
            }
        });
    }

    private static ILoggerFactory CreateLoggers(IConfiguration configuration) =>
        LoggerFactory.Create(builder => builder
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = true;
            }));
}

/// <summary>What a verb gets: its parsed arguments, the configuration and loggers.</summary>
internal sealed record VerbContext(ParseResult Parse, IConfiguration Configuration, ILoggerFactory Loggers)
{
    public T Bind<T>(string section)
        where T : new() => AppConfiguration.Bind<T>(Configuration, section);

    public ILogger Logger(string category) => Loggers.CreateLogger(category);
}

using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Composition;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.State;
using TelemetryPipeline.Web;

namespace TelemetryPipeline.Verbs;

/// <summary><c>run</c>: the ingest pipeline, until SIGTERM or, with --until-idle, until caught up and quiet.</summary>
internal static partial class RunVerb
{
    public static Command Create()
    {
        var untilIdle = new Option<double?>("--until-idle")
        {
            Description = "Exit 0 once every assigned partition is caught up and nothing arrived for this many seconds (scripts, tests).",
        };
        var command = new Command(
            "run",
            "Run the pipeline: consume usage/idle/fuel from Kafka, decode Avro, validate, dedupe and add to 15-minute buckets in "
            + "Redis (one atomic call per batch), send rejections to the DLQ with reasons, commit offsets after the batch is durable. "
            + "Stops cleanly on SIGINT/SIGTERM (finishes the batches in flight, commits, leaves the group). With Ledger:ConnectionString "
            + "set it also consumes master data, settles on Run:SettlementCadence and, with Web:UsersFile set, serves the web UI, "
            + "/api, /metrics and /health on Web:Urls.")
        {
            untilIdle,
        };
        VerbAction.Set(command, async (context, cancellationToken) =>
        {
            double? idleSeconds = context.Parse.GetValue(untilIdle);
            if (idleSeconds is <= 0)
            {
                throw new ConfigurationException("--until-idle must be a positive number of seconds.");
            }

            var kafka = context.Bind<KafkaOptions>(KafkaOptions.Section);
            var redis = context.Bind<RedisOptions>(RedisOptions.Section);
            var ingest = context.Bind<IngestOptions>(IngestOptions.Section);
            var run = context.Bind<RunOptions>(RunOptions.Section);
            kafka.Validate();
            redis.Validate();
            ingest.Validate();
            run.Validate();

            // The finance side (master data, settlement cadence, web UI) runs when a ledger is configured.
            FinanceComponents? finance = string.IsNullOrWhiteSpace(context.Configuration["Ledger:ConnectionString"])
                ? null
                : await FinanceComponents.OpenAsync(context, cancellationToken);
            await using (finance)
            {
                WebOptions? web = null;
                if (finance is not null && !string.IsNullOrWhiteSpace(context.Configuration["Web:UsersFile"]))
                {
                    web = context.Bind<WebOptions>(WebOptions.Section);
                    web.Validate();
                }

                LogMode(context.Logger("TelemetryPipeline.Run"), finance is not null, web is not null);
                var runtime = new PipelineRuntime(kafka, redis, ingest, run, context.Loggers);
                IngestTotals totals = await runtime.RunAsync(
                    finance, web, idleSeconds is double s ? TimeSpan.FromSeconds(s) : null, cancellationToken);
                Console.WriteLine(Summary(totals));
            }

            return 0;
        });
        return command;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "run: finance side (master data, settlement cadence) {Finance}; web UI {Web}")]
    private static partial void LogMode(ILogger logger, bool finance, bool web);

    public static string Summary(IngestTotals totals) => string.Create(
        CultureInfo.InvariantCulture,
        $"ingested {totals.Consumed} records in {totals.Batches} batches: applied={totals.Applied} duplicates={totals.Duplicates} "
        + $"rejected={totals.Rejected} meter_incidents={totals.MeterIncidents} redis_calls={totals.RedisCalls}");
}

/// <summary>Connecting to Redis at start-up: retried with backoff, then one clear error (no crash loop).</summary>
internal static partial class StateConnection
{
    private static readonly TimeSpan s_startupBudget = TimeSpan.FromSeconds(30);

    public static async Task<RedisTelemetryStore> ConnectWithRetryAsync(RedisOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + s_startupBudget;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await RedisTelemetryStore.ConnectAsync(options, cancellationToken);
            }
            catch (State.Resp.RedisException ex) when (ex.IsRetriable && DateTime.UtcNow + delay < deadline)
            {
                LogRetry(logger, options.Endpoint, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (State.Resp.RedisException ex)
            {
                throw new ConfigurationException(
                    $"Redis at {options.Endpoint} (Redis:Endpoint) is not reachable: {ex.Message.TrimEnd('.')}. Start Redis or fix TP__Redis__Endpoint.", ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint} not reachable yet; retrying in {Seconds} s: {Reason}")]
    private static partial void LogRetry(ILogger logger, string endpoint, double seconds, string reason);
}

using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.Verbs;
using TelemetryPipeline.Web;
using TelemetryPipeline.Web.Metrics;

namespace TelemetryPipeline.Composition;

/// <summary>Knobs of the <c>run</c> verb itself (configuration section <c>Run</c>).</summary>
internal sealed record RunOptions
{
    public const string Section = "Run";

    /// <summary>How often settlement runs inside <c>run</c> (under the Redis lease); zero disables it.</summary>
    public TimeSpan SettlementCadence { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the web UI's master-data snapshot is reloaded from PostgreSQL.</summary>
    public TimeSpan MasterDataRefresh { get; init; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (SettlementCadence < TimeSpan.Zero || SettlementCadence > TimeSpan.FromDays(1))
        {
            throw new ConfigurationException($"{Section}:SettlementCadence must be between 00:00:00 (off) and 1.00:00:00 (got {SettlementCadence}).");
        }

        if (MasterDataRefresh < TimeSpan.FromSeconds(1) || MasterDataRefresh > TimeSpan.FromHours(1))
        {
            throw new ConfigurationException($"{Section}:MasterDataRefresh must be between 00:00:01 and 01:00:00 (got {MasterDataRefresh}).");
        }
    }
}

/// <summary>
/// What <c>run</c> runs side by side: the ingest pipeline always; with a ledger configured also the master-data consumer,
/// settlement on its cadence and the web UI (pages, /api, /metrics, /health). Everything stops with the ingest pipeline.
/// </summary>
internal sealed partial class PipelineRuntime(
    KafkaOptions kafka, RedisOptions redis, IngestOptions ingest, RunOptions run, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("TelemetryPipeline.Run");

    public async Task<IngestTotals> RunAsync(
        FinanceComponents? finance, WebOptions? web, TimeSpan? untilIdle, CancellationToken cancellationToken)
    {
        // Before anything records: a MeterListener has no history.
        using var exporter = new PrometheusExporter();
        await using RedisTelemetryStore store = await StateConnection.ConnectWithRetryAsync(redis, _logger, cancellationToken);
        using var metrics = new IngestMetrics();
        var deadLetters = new RecentDeadLetters();
        TelemetryCodec codec = TelemetryCodec.CreateDefault(ingest.ConfluentSchemaIds);
        await using var pipeline = new IngestPipeline(ingest, kafka, codec, store, metrics, loggers.CreateLogger("TelemetryPipeline.Ingest"))
        {
            DeadLettered = d => deadLetters.Add(new DeadLetterView(
                d.Rejection.Reason, d.Rejection.Detail, d.Topic, d.Partition, d.Offset, d.RejectedAt, d.Key, d.Payload)),
        };

        using var sideStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var side = new List<Task>();
        WebApplication? app = null;
        if (finance is not null)
        {
            var masterData = new MasterDataIngest(kafka, codec, finance.MasterData, loggers.CreateLogger("TelemetryPipeline.MasterData"));
            side.Add(RunSideAsync("master data", () => masterData.RunAsync(untilCaughtUp: false, TimeSpan.Zero, sideStop.Token), masterData));
            SettlementService settlement = await finance.SettlementAsync(redis, cancellationToken);
            if (run.SettlementCadence > TimeSpan.Zero)
            {
                side.Add(RunSideAsync("settlement", () => SettleOnCadenceAsync(settlement, sideStop.Token), null));
            }

            if (web is not null)
            {
                var snapshot = new MasterDataCache(finance.MasterData, MasterDataSnapshot.Empty(finance.SettlementOptions));
                await snapshot.RefreshAsync(cancellationToken);
                side.Add(RunSideAsync("master data cache", () => snapshot.RefreshEveryAsync(run.MasterDataRefresh, sideStop.Token), null));
                app = await WebHosting.StartAsync(web, kafka, finance, store, settlement, snapshot, deadLetters.Latest, exporter, loggers, cancellationToken);
                LogWeb(_logger, web.Urls);
            }
        }

        try
        {
            return await pipeline.RunAsync(untilIdle, cancellationToken);
        }
        finally
        {
            await sideStop.CancelAsync();
            await Task.WhenAll(side);
            if (app is not null)
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
        }
    }

    private async Task SettleOnCadenceAsync(SettlementService settlement, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(run.SettlementCadence);
        do
        {
            SettlementServiceResult result = await settlement.RunOnceAsync(null, cancellationToken);
            LogSettled(_logger, result.Summary);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private async Task RunSideAsync(string name, Func<Task> body, IDisposable? owned)
    {
        try
        {
            await body();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // A side task failing must not stop ingest: its state shows on /health/ready and in the log.
            LogSideFailed(_logger, name, ex);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web UI, /api, /metrics and /health on {Urls}")]
    private static partial void LogWeb(ILogger logger, string urls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Settlement: {Summary}")]
    private static partial void LogSettled(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Name} stopped with an error; ingest continues")]
    private static partial void LogSideFailed(ILogger logger, string name, Exception exception);
}

/// <summary>Starts the web UI, /api, /metrics and /health over the running components (used by <c>run</c> and <c>demo --serve</c>).</summary>
internal static class WebHosting
{
    public static async Task<WebApplication> StartAsync(
        WebOptions web,
        KafkaOptions kafka,
        FinanceComponents finance,
        RedisTelemetryStore store,
        SettlementService settlement,
        MasterDataCache snapshot,
        Func<int, IReadOnlyList<DeadLetterView>> deadLetters,
        PrometheusExporter metrics,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.AddTelemetryPipelineWeb(web, new TelemetryPipelineWebDependencies
        {
            Ledger = finance.Ledger,
            Telemetry = store,
            MasterData = snapshot.Current,
            DeadLetters = deadLetters,
            Metrics = metrics,
            SettlementTrigger = async (now, ct) => await settlement.RunOnceAsync(now, ct),
            ReadinessChecks =
            [
                new ReadinessCheck("redis", async ct => (await store.PingAsync(ct)).IsHealthy),
                new ReadinessCheck("postgres", ct => finance.Ledger.IsReadyAsync(ct)),
                new ReadinessCheck("kafka", ct => KafkaProbe.IsReachableAsync(kafka, ct)),
            ],
        });
        WebApplication app = builder.Build();
        app.MapTelemetryPipelineWeb();
        await app.StartAsync(cancellationToken);
        return app;
    }
}

/// <summary>The latest master-data snapshot for request handlers, reloaded in the background.</summary>
internal sealed class MasterDataCache(IMasterDataSource source, MasterDataSnapshot initial)
{
    private MasterDataSnapshot _current = initial;

    public MasterDataSnapshot Current() => Volatile.Read(ref _current);

    public async Task RefreshAsync(CancellationToken cancellationToken) =>
        Volatile.Write(ref _current, await source.LoadAsync(cancellationToken));

    public async Task RefreshEveryAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await RefreshAsync(cancellationToken);
        }
    }
}

/// <summary>Kafka readiness: the brokers answer a metadata request.</summary>
internal static class KafkaProbe
{
    public static Task<bool> IsReachableAsync(KafkaOptions kafka, CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
            try
            {
                return admin.GetMetadata(TimeSpan.FromSeconds(2)).Brokers.Count > 0;
            }
            catch (Confluent.Kafka.KafkaException)
            {
                return false;
            }
        },
        cancellationToken);
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.TestKit;
using TelemetryPipeline.Web.Metrics;

namespace TelemetryPipeline.Web.Tests.Support;

/// <summary>
/// One running web app for the assembly: real Kestrel on a free 127.0.0.1 port, a real PostgreSQL ledger settled from
/// the <see cref="Fleet"/> buckets by the real settlement runner, an in-memory bucket store, three users (viewer,
/// approver, admin) with random tokens, instruments named like the ingest's, and a DLQ ring.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    public const string ViewerName = "vera";
    public const string ApproverName = "anna";
    public const string AdminName = "adam";

    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private PostgresServer? _postgres;
    private NpgsqlDataSource? _dataSource;
    private WebApplication? _app;
    private Meter? _meter;
    private PrometheusExporter? _exporter;
    private Task? _traffic;
    private string? _directory;
    private int _staged;

    public string BaseAddress { get; private set; } = string.Empty;

    public LedgerStore Ledger { get; private set; } = null!;

    public FakeTelemetryStore Telemetry { get; } = new();

    public InMemoryMasterDataSource MasterData { get; } = new(Fleet.SettlementOptions);

    public RecentDeadLetters DeadLetters { get; } = new(50);

    public WebOptions Options { get; private set; } = null!;

    /// <summary>Set false to make the "kafka" readiness check fail.</summary>
    public bool KafkaUp { get; set; } = true;

    /// <summary>Error-level log lines of the app (a page that threw shows up here).</summary>
    public ConcurrentQueue<string> ServerErrors { get; } = new();

    /// <summary>Where screenshots go: under the test output directory.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public string Token(string user) => _tokens[user];

    /// <summary>Every route the app mapped (pages, API, health, metrics, OpenAPI).</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints =>
        [.. _app!.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("tp-web-tests-").FullName;
        // A fresh clone has no screenshots folder yet: create it before clearing the previous run's index.
        Directory.CreateDirectory(ScreenshotDirectory);
        File.Delete(Path.Combine(ScreenshotDirectory, "index.txt"));
        _postgres = await PostgresServer.StartAsync();
        string database = await _postgres.CreateDatabaseAsync("web");
        _dataSource = NpgsqlDataSource.Create(_postgres.ConnectionString(database));
        Ledger = new LedgerStore(_dataSource);
        await Ledger.MigrateAsync();

        Fleet.Populate(Telemetry, MasterData);
        await SettleAsync(Fleet.SettleNow, CancellationToken.None);

        string usersFile = Path.Combine(_directory, "users.json");
        var users = new StringBuilder("{\"users\":[");
        foreach ((string name, string role) in new[] { (ViewerName, "viewer"), (ApproverName, "approver"), (AdminName, "admin") })
        {
            string token = WebUsers.GenerateToken();
            _tokens[name] = token;
            users.Append(users[^1] == '[' ? string.Empty : ",")
                .Append("{\"name\":\"").Append(name).Append("\",\"role\":\"").Append(role)
                .Append("\",\"hash\":\"").Append(WebUsers.HashToken(token, WebUsers.MinIterations)).Append("\"}");
        }

        await File.WriteAllTextAsync(Path.Combine(_directory, "users.json"), users.Append("]}").ToString());

        // Created before the instruments record anything, as the host must: a MeterListener sees no history.
        _exporter = new PrometheusExporter();
        StartInstruments();
        AddDeadLetters();

        Options = new WebOptions
        {
            Urls = "http://127.0.0.1:0",
            UsersFile = usersFile,
            RefreshSeconds = 2,
            MaxRequestBodyBytes = 16 * 1024,
        };
        var dependencies = new TelemetryPipelineWebDependencies
        {
            Ledger = Ledger,
            Telemetry = Telemetry,
            MasterData = MasterData.Snapshot,
            ReadinessChecks =
            [
                new ReadinessCheck("kafka", _ => Task.FromResult(KafkaUp)),
                new ReadinessCheck("redis", _ => Task.FromResult(true)),
                new ReadinessCheck("postgres", ct => Ledger.IsReadyAsync(ct)),
                new ReadinessCheck("odoo", _ => Task.FromResult(false), Required: false),
            ],
            SettlementTrigger = async (now, ct) => await SettleAsync(now ?? Fleet.SettleNow, ct),
            DeadLetters = DeadLetters.Latest,
            Metrics = _exporter,
        };

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _directory, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ErrorCollector(ServerErrors));
        builder.AddTelemetryPipelineWeb(Options, dependencies);
        _app = builder.Build();
        _app.MapTelemetryPipelineWeb();
        await _app.StartAsync();
        BaseAddress = _app.Urls.Single().TrimEnd('/');
    }

    /// <summary>A client for <paramref name="user"/>'s bearer token (null: anonymous). Redirects are not followed.</summary>
    public HttpClient Client(string? user = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseAddress) };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(user));
        }

        return client;
    }

    /// <summary>
    /// Stages a fresh pending single-line allocation (its own cost code, on a period outside the settlement horizon so
    /// settlement never revises it) and returns its id.
    /// </summary>
    public async Task<string> StagePendingAsync(string label)
    {
        int n = Interlocked.Increment(ref _staged);
        var allocation = new Allocation(
            new DateOnly(2026, 9, 1),
            "PRJ-TEST",
            $"T-{n:000}-{label}",
            1,
            "USD",
            AllocationStatus.Pending,
            [new AllocationLine("EX-0042", 8 * Fleet.Hour, 90 * Fleet.Minute, 120_000, 845.00m, 45.00m, 186.00m,
                new AppliedRate(130m, 30m, false, 1.55m, "USD", Fleet.Ms(new DateOnly(2026, 8, 1))))]);
        await Ledger.StageAsync([allocation]);
        return allocation.AllocationId;
    }

    public async Task<SettlementReport> SettleAsync(DateTimeOffset now, CancellationToken ct)
    {
        var runner = new SettlementRunner(Telemetry, MasterData, new LedgerSettlementLedger(Ledger), Fleet.SettlementOptions);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        SettlementReport report = await runner.RunAsync(now, ct);
        await Ledger.RecordSettlementRunAsync(
            new SettlementRunRecord(started, DateTimeOffset.UtcNow, now, report.AllocationsStaged, report.Exceptions.Count, "web-tests", report.PeriodFrom, report.PeriodTo),
            ct: ct);
        return report;
    }

    private void StartInstruments()
    {
        // Named exactly like IngestMetrics' instruments, so /metrics and the pipeline page see what production shows.
        _meter = new Meter("TelemetryPipeline.Ingest.WebTests");
        Counter<long> consumed = _meter.CreateCounter<long>("tp_events_consumed", "{event}", "Records consumed from the telemetry topics.");
        Counter<long> applied = _meter.CreateCounter<long>("tp_events_applied", "{event}", "Records whose contribution reached the buckets.");
        Counter<long> duplicates = _meter.CreateCounter<long>("tp_events_deduplicated", "{event}", "Records recognised as duplicates: no effect.");
        Counter<long> rejected = _meter.CreateCounter<long>("tp_events_rejected", "{event}", "Records rejected to the DLQ, by reason.");
        Counter<long> batches = _meter.CreateCounter<long>("tp_batches", "{batch}", "Batches made durable and committed.");
        Counter<long> redisCalls = _meter.CreateCounter<long>("tp_redis_calls", "{call}", "Redis round trips of the dedupe+buckets step.");
        Counter<long> incidents = _meter.CreateCounter<long>("tp_meter_incidents", "{event}", "Meter resets, anomalies and late readings.");
        Counter<long> commitErrors = _meter.CreateCounter<long>("tp_commit_errors", "{error}", "Offset commits that failed (e.g. during a rebalance).");
        Histogram<int> batchSize = _meter.CreateHistogram<int>("tp_batch_size", "{event}", "Records per batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000] });
        Histogram<double> batchDuration = _meter.CreateHistogram<double>("tp_batch_duration_seconds", "s", "From a batch's first record consumed to its offsets committed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        Histogram<double> redisDuration = _meter.CreateHistogram<double>("tp_redis_apply_duration_seconds", "s", "Duration of the atomic dedupe+buckets Redis call(s) of one batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        long tick = 0;
        _meter.CreateObservableGauge("tp_consumer_lag", () =>
        {
            long t = Interlocked.Read(ref tick);
            return new[]
            {
                new Measurement<long>(1200 + (t % 7 * 40), new("topic", "equipment.usage"), new("partition", 0)),
                new Measurement<long>(300 + (t % 5 * 25), new("topic", "equipment.usage"), new("partition", 1)),
                new Measurement<long>(40, new("topic", "equipment.idle"), new("partition", 0)),
                new Measurement<long>(7, new("topic", "equipment.fuel"), new("partition", 0)),
            };
        }, "{message}", "Messages behind the high watermark, per partition.");

        commitErrors.Add(1);
        incidents.Add(2, new KeyValuePair<string, object?>("kind", "reset"));
        incidents.Add(1, new KeyValuePair<string, object?>("kind", "anomaly"));
        rejected.Add(12, new KeyValuePair<string, object?>("reason", RejectionReasons.Undecodable));
        rejected.Add(5, new KeyValuePair<string, object?>("reason", RejectionReasons.FutureEventTime));
        rejected.Add(3, new KeyValuePair<string, object?>("reason", RejectionReasons.UnknownSchema));
        CancellationToken stop = _stop.Token;
        _traffic = Task.Run(async () =>
        {
            var random = new Random(42);
            while (!stop.IsCancellationRequested)
            {
                int size = random.Next(200, 2000);
                consumed.Add(size);
                applied.Add(size - 20);
                duplicates.Add(15);
                batches.Add(1);
                redisCalls.Add(2);
                batchSize.Record(size);
                batchDuration.Record(0.02 + (random.NextDouble() * 0.2));
                redisDuration.Record(0.002 + (random.NextDouble() * 0.01));
                Interlocked.Increment(ref tick);
                try
                {
                    await Task.Delay(100, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    private void AddDeadLetters()
    {
        DateTimeOffset at = DateTimeOffset.UtcNow;
        DeadLetters.Add(new DeadLetterView(RejectionReasons.Undecodable, "Avro single-object header with an unknown fingerprint.", "equipment.usage", 3, 18_442,
            at.AddMinutes(-9), Encoding.ASCII.GetBytes("serial:CAT0042X"), [0xC3, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x02, 0x0A, 0x41, 0x42, 0x43, 0x44, 0x45, 0x00, 0xFF]));
        DeadLetters.Add(new DeadLetterView(RejectionReasons.UnknownSchema, "Confluent schema id 99 is not mapped to a schema.", "equipment.fuel", 0, 512,
            at.AddMinutes(-5), null, Encoding.UTF8.GetBytes("{\"eventId\":\"f-1\",\"note\":\"<b>json from a test producer</b>\",\"quantity\":12.5}")));
        DeadLetters.Add(new DeadLetterView(RejectionReasons.FutureEventTime, "eventTime 2026-11-20T12:30:00Z is 2 h in the future.", "equipment.idle", 1, 77,
            at.AddMinutes(-1), Encoding.ASCII.GetBytes("canonical:DZ-0007"), [0x00, 0x00, 0x00, 0x00, 0x07, 0x0E, 0x65, 0x76, 0x2D, 0x31]));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_traffic is not null)
        {
            await _traffic;
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _meter?.Dispose();
        _exporter?.Dispose();
        if (Ledger is not null)
        {
            await Ledger.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }

        _stop.Dispose();
    }

    private sealed class ErrorCollector(ConcurrentQueue<string> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, errors);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> errors) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}

/// <summary>Every test class that talks to the running app shares it and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}

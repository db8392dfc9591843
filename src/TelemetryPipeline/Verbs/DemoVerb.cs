using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TelemetryPipeline.Composition;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.TestKit;
using TelemetryPipeline.TestKit.Odoo;
using TelemetryPipeline.Web;
using TelemetryPipeline.Web.Metrics;
using Microsoft.AspNetCore.Builder;

namespace TelemetryPipeline.Verbs;

/// <summary>
/// <c>demo</c>: the whole story on throwaway servers (embedded Kafka, Redis, PostgreSQL, the Odoo emulator): a generated
/// fleet week, ingest, settlement, finance approving and rejecting, posting to Odoo, reconciliation.
/// </summary>
internal static partial class DemoVerb
{
    private const string Finance = "demo:finance";

    public static Command Create()
    {
        var machines = new Option<int>("--machines") { Description = "Fleet size.", DefaultValueFactory = _ => 50 };
        var projects = new Option<int>("--projects") { Description = "Projects.", DefaultValueFactory = _ => 5 };
        var days = new Option<int>("--days") { Description = "Days of data ending today 00:00 UTC.", DefaultValueFactory = _ => 7 };
        var seed = new Option<int>("--seed") { Description = "Scenario seed.", DefaultValueFactory = _ => 42 };
        var serve = new Option<bool>("--serve")
        {
            Description = "Afterwards, serve the web UI (utilization, approvals, pipeline), /api, /metrics and /health on Web:Urls "
                + "with three throwaway users (viewer, approver, admin) until Ctrl+C.",
        };
        var command = new Command(
            "demo",
            "Run the whole story on throwaway servers: embedded Kafka, Redis, PostgreSQL and the Odoo emulator; a generated week "
            + "of a construction fleet; ingest; a per-machine summary of the buckets; settlement; approval and one rejection; "
            + "posting to Odoo; reconciliation.")
        {
            machines, projects, days, seed, serve,
        };
        VerbAction.Set(command, (context, cancellationToken) => RunAsync(
            context,
            new ScenarioOptions
            {
                Machines = context.Parse.GetValue(machines),
                Projects = context.Parse.GetValue(projects),
                Days = context.Parse.GetValue(days),
                Seed = context.Parse.GetValue(seed),
            },
            context.Parse.GetValue(serve),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(VerbContext context, ScenarioOptions scenarioOptions, bool serve, CancellationToken cancellationToken)
    {
        ILogger logger = context.Logger("TelemetryPipeline.Demo");
        if (Console.IsOutputRedirected)
        {
            // Spectre assumes 80 columns without a terminal; the tables read better in a log at full width.
            AnsiConsole.Profile.Width = 160;
        }

        // Before anything records, so /metrics of `demo --serve` shows the whole run (a MeterListener has no history).
        using var exporter = new PrometheusExporter();
        Step("1. Throwaway servers on 127.0.0.1");
        KafkaNative.EnsureLoaded();
        using MockCluster cluster = MockCluster.Start();
        var topics = new TopicNames();
        cluster.CreateTopics(topics, partitions: 8);
        await using RedisServer redisServer = await RedisServer.StartAsync();
        await using PostgresServer postgres = await PostgresServer.StartAsync(cancellationToken);
        string database = await postgres.CreateDatabaseAsync("demo", ct: cancellationToken);
        await using OdooEmulator odoo = await OdooEmulator.StartAsync(ct: cancellationToken);
        Console.WriteLine($"kafka (mock cluster) {cluster.BootstrapServers}; redis {redisServer.Endpoint}; postgresql 127.0.0.1:{postgres.Port}; odoo emulator {odoo.BaseUrl}");

        Step("2. A generated fleet week into Kafka");
        var scenario = new FleetScenario(scenarioOptions, new CodecTelemetryEncoder());
        Console.WriteLine(GenerateCommand.Describe(scenario));
        var kafka = new KafkaOptions { BootstrapServers = cluster.BootstrapServers, Topics = topics };
        using (var producer = new FleetProducer(cluster.BootstrapServers, topics, new GenerateOptions { Scenario = scenarioOptions }))
        {
            ProduceResult produced = await producer.ProduceAsync(scenario.Generate(), null, cancellationToken);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"produced {produced.Counts.Total} records (usage {produced.Counts.Usage}, idle {produced.Counts.Idle}, fuel {produced.Counts.Fuel}) in {produced.Elapsed.TotalSeconds:0.0} s"));
        }

        SettlementOptions settlementOptions = SettlementFor(scenario);
        var ledgerOptions = new LedgerOptions { ConnectionString = postgres.ConnectionString(database) };
        await using FinanceComponents finance = await FinanceComponents.OpenAsync(ledgerOptions, settlementOptions, context.Loggers, cancellationToken);

        Step("3. Ingest: master data into PostgreSQL, telemetry into Redis buckets");
        var redis = new RedisOptions { Endpoint = redisServer.Endpoint };
        var ingestOptions = new IngestOptions { ConfluentSchemaIds = GeneratorSchemaIds.Map };
        TelemetryCodec codec = TelemetryCodec.CreateDefault(ingestOptions.ConfluentSchemaIds);
        using (var masterData = new MasterDataIngest(kafka, codec, finance.MasterData, context.Logger("TelemetryPipeline.MasterData")))
        {
            await masterData.RunAsync(untilCaughtUp: true, TimeSpan.FromSeconds(30), cancellationToken);
            Console.WriteLine($"master data: {masterData.Upserted} records upserted");
        }

        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(redis, cancellationToken);
        using var metrics = new IngestMetrics();
        IngestTotals totals;
        var deadLetters = new RecentDeadLetters();
        await using (var pipeline = new IngestPipeline(ingestOptions, kafka, codec, store, metrics, context.Logger("TelemetryPipeline.Ingest"))
        {
            DeadLettered = d => deadLetters.Add(new DeadLetterView(
                d.Rejection.Reason, d.Rejection.Detail, d.Topic, d.Partition, d.Offset, d.RejectedAt, d.Key, d.Payload)),
        })
        {
            totals = await pipeline.RunAsync(TimeSpan.FromSeconds(3), cancellationToken);
        }

        Console.WriteLine(RunVerb.Summary(totals));
        foreach (KeyValuePair<string, long> reason in totals.RejectedByReason.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  DLQ {reason.Key}: {reason.Value}");
        }

        Step("4. What landed in the buckets, per machine (identifier as sent)");
        await PrintBucketSummaryAsync(store, scenario, cancellationToken);

        Step("5. Settlement");
        SettlementService settlement = await finance.SettlementAsync(redis, cancellationToken);
        DateTimeOffset settleAt = DateTimeOffset.FromUnixTimeMilliseconds(scenario.EndMs).AddHours(14);
        var settled = await settlement.RunOnceAsync(settleAt, cancellationToken);
        Console.WriteLine($"settle --now {settleAt:u}: {settled.Summary}");
        var again = await settlement.RunOnceAsync(settleAt, cancellationToken);
        Console.WriteLine($"settle again (idempotent): {again.Summary}");
        var exceptions = await finance.Ledger.ListExceptionsAsync(new ExceptionQuery(), cancellationToken);
        foreach (var group in exceptions.GroupBy(static e => e.Kind).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  exceptions {group.Key}: {group.Count()} (e.g. {group.First().Identifier}, {group.First().Period:yyyy-MM-dd}: {group.First().Detail})");
        }

        Step("6. Pending allocations");
        AllocationPage pending = await finance.Ledger.ListAsync(new AllocationQuery { Status = AllocationStatus.Pending, Limit = AllocationQuery.MaxLimit }, cancellationToken);
        AnsiConsole.Write(AllocationsVerb.Table(pending.Items.Take(15)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{pending.TotalCount} pending allocations (first 15 shown)"));

        Step("7. Finance approves, and rejects one with a comment");
        LedgerEntry? rejected = pending.Items.Count > 0 ? pending.Items[^1] : null;
        int approved = 0;
        foreach (LedgerEntry entry in pending.Items)
        {
            if (ReferenceEquals(entry, rejected))
            {
                TransitionResult r = await finance.Ledger.RejectAsync(
                    entry.AllocationId, Finance, "Machine was on standby that day: rate under dispute with the rental company", cancellationToken);
                Console.WriteLine($"rejected {entry.AllocationId}: {r.Message}");
                continue;
            }

            if ((await finance.Ledger.ApproveAsync(entry.AllocationId, Finance, null, cancellationToken)).Succeeded)
            {
                approved++;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"approved {approved} allocations as {Finance}"));

        Step("8. Posting to Odoo (emulator), idempotently");
        finance.UseOdoo(OdooFor(odoo, scenario));
        var posted = await finance.Posting().PostAsync(cancellationToken);
        Console.WriteLine(posted.Summary);
        var postedAgain = await finance.Posting().PostAsync(cancellationToken);
        Console.WriteLine($"post again: {postedAgain.Summary}");

        Step("9. Reconciliation: ledger vs Odoo");
        DateOnly from = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(scenario.StartMs).UtcDateTime).AddDays(-1);
        DateOnly to = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(scenario.EndMs).UtcDateTime);
        var reconciled = await finance.Reconciliation().ReconcileAsync(from, to, cancellationToken);
        Console.WriteLine(reconciled.Summary);
        LogDone(logger);
        int exitCode = posted.Failed.Count == 0 && reconciled.IsClean ? 0 : 1;
        if (serve)
        {
            await ServeAsync(context, kafka, finance, store, settlement, deadLetters, exporter, cancellationToken);
        }

        return exitCode;
    }

    private static async Task ServeAsync(
        VerbContext context,
        KafkaOptions kafka,
        FinanceComponents finance,
        RedisTelemetryStore store,
        SettlementService settlement,
        RecentDeadLetters deadLetters,
        PrometheusExporter exporter,
        CancellationToken cancellationToken)
    {
        Step("10. Web UI (Ctrl+C to stop)");
        string directory = Directory.CreateTempSubdirectory("tp-demo-web-").FullName;
        string usersFile = Path.Combine(directory, "users.json");
        var tokens = new List<(string Name, WebRole Role, string Token)>();
        foreach (WebRole role in new[] { WebRole.Viewer, WebRole.Approver, WebRole.Admin })
        {
            tokens.Add(("demo-" + role.ToString().ToLowerInvariant(), role, WebUsers.GenerateToken()));
        }

        WebUsers.WriteFile(usersFile, tokens);
        WebOptions web = context.Bind<WebOptions>(WebOptions.Section) with { UsersFile = usersFile };
        var snapshot = new MasterDataCache(finance.MasterData, await finance.MasterData.LoadAsync(cancellationToken));
        await using WebApplication app = await WebHosting.StartAsync(
            web, kafka, finance, store, settlement, snapshot, deadLetters.Latest, exporter, context.Loggers, cancellationToken);
        Console.WriteLine($"web UI on {web.Urls}; throwaway demo users (gone when the demo stops):");
        foreach ((string name, _, string token) in tokens)
        {
            Console.WriteLine($"  {name}: {token}");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        Directory.Delete(directory, recursive: true);
    }

    private static void Step(string title) => AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

    private static SettlementOptions SettlementFor(FleetScenario scenario) => new()
    {
        CompanyCurrency = "USD",
        Projects = scenario.Projects.ToDictionary(
            static p => p.Code,
            static p => new ProjectSettings { Code = p.Code, Name = p.Name, TimeZone = p.TimeZone, Currency = p.Currency },
            StringComparer.Ordinal),
    };

    /// <summary>The emulator set up like a customer database: one analytic account per project and per cost code.</summary>
    private static OdooOptions OdooFor(OdooEmulator odoo, FleetScenario scenario)
    {
        // One Odoo company per currency, as customers with Canadian and US projects keep their books.
        long cad = odoo.AddCompany("Demo Construction Canada", "CAD");
        foreach (ScenarioProject project in scenario.Projects)
        {
            odoo.AddAnalyticAccount(project.Name, project.Code, 1, project.Currency == "CAD" ? cad : 1);
        }

        long costPlan = odoo.AddAnalyticPlan("Cost Codes");
        foreach (string costCode in scenario.Machines.SelectMany(static m => new[] { m.CostCode, m.AlternateCostCode }).Distinct(StringComparer.Ordinal))
        {
            // Shared across companies: cost codes are the same in every country.
            odoo.AddAnalyticAccount("Cost code " + costCode, costCode, costPlan, companyId: null);
        }

        return new OdooOptions
        {
            Url = odoo.BaseUrl,
            Database = odoo.Database,
            Login = odoo.Login,
            ApiKey = odoo.ApiKey,
            CostCodePlanId = costPlan,
            CompanyId = 1,
            Companies = new Dictionary<string, long> { ["USD"] = 1, ["CAD"] = cad },
        };
    }

    private static async Task PrintBucketSummaryAsync(RedisTelemetryStore store, FleetScenario scenario, CancellationToken cancellationToken)
    {
        var perIdentifier = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        for (long day = BucketMath.UtcDay(scenario.StartMs) - 1; day <= BucketMath.UtcDay(scenario.NowMs); day++)
        {
            foreach (BucketEntry entry in await store.ReadDayAsync(day, cancellationToken))
            {
                if (!perIdentifier.TryGetValue(entry.Identifier, out long[]? sums))
                {
                    perIdentifier[entry.Identifier] = sums = new long[5];
                }

                sums[(int)entry.Measure] += entry.Amount;
            }
        }

        const int Shown = 20;
        var table = new Table().Border(TableBorder.Rounded).AddColumns("identifier as sent", "operating h", "idle h", "working h", "idle %", "fuel burned L", "fuel filled L");
        long[] total = new long[5];
        foreach (long[] sums in perIdentifier.Values)
        {
            for (int i = 0; i < sums.Length; i++)
            {
                total[i] += sums[i];
            }
        }

        foreach ((string identifier, long[] sums) in perIdentifier.OrderByDescending(static p => p.Value[(int)Measure.OperatingMs]).Take(Shown))
        {
            table.AddRow(Row(Markup.Escape(identifier), sums));
        }

        table.AddRow(Row($"[bold]all {perIdentifier.Count} identifiers[/]", total));
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Math.Min(Shown, perIdentifier.Count)} busiest of {perIdentifier.Count} identifiers shown; fuel-card fills arrive under canonical ids, telemetry under the device's own scheme"));

        static string[] Row(string name, long[] s)
        {
            long operating = s[(int)Measure.OperatingMs], idle = s[(int)Measure.IdleMs];
            string idlePct = operating == 0 ? "-" : (100m * idle / operating).ToString("0.0", CultureInfo.InvariantCulture);
            return [name, FinanceVerbs.Hours(operating), FinanceVerbs.Hours(idle), FinanceVerbs.Hours(Math.Max(0, operating - idle)), idlePct,
                FinanceVerbs.Liters(s[(int)Measure.FuelBurnMl]), FinanceVerbs.Liters(s[(int)Measure.FuelFillMl])];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo finished")]
    private static partial void LogDone(ILogger logger);
}

using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Perf.Load;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Perf.Odoo;

internal sealed record OdooBenchOptions
{
    /// <summary>Allocations posted per run.</summary>
    public int Allocations { get; init; } = 200;

    /// <summary>Equipment lines per allocation (one Odoo record each).</summary>
    public int LinesPerAllocation { get; init; } = 25;

    /// <summary>Batch sizes compared (1 = one create call per record).</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [OdooOptions.MaxBatchSize, 1];

    /// <summary><c>json2</c> or <c>jsonrpc</c>.</summary>
    public string Protocol { get; init; } = OdooOptions.Json2;

    /// <summary>Simulated server time per request (the emulator answers in microseconds; a real Odoo takes tens of ms).</summary>
    public TimeSpan ServerDelay { get; init; } = TimeSpan.Zero;

    public string OutputDirectory { get; init; } = "perf/results";

    public string Label { get; init; } = "odoo";

    public void Validate()
    {
        if (Allocations is < 1 or > 100_000 || LinesPerAllocation is < 1 or > 1000)
        {
            throw new ArgumentException("--allocations must be between 1 and 100000 and --lines between 1 and 1000.");
        }

        foreach (int size in BatchSizes)
        {
            if (size is < 1 or > OdooOptions.MaxBatchSize)
            {
                throw new ArgumentException($"--batch-sizes must each be between 1 and {OdooOptions.MaxBatchSize} (got {size}).");
            }
        }

        if (Protocol is not (OdooOptions.Json2 or OdooOptions.JsonRpc))
        {
            throw new ArgumentException($"--protocol must be {OdooOptions.Json2} or {OdooOptions.JsonRpc} (got '{Protocol}').");
        }
    }
}

internal sealed record OdooRunResult(
    int BatchSize, int Records, int Posted, double Seconds, double RecordsPerSecond, int HttpRequests, int CreateCalls, double RequestsPer1000Records,
    double CpuSeconds, long AllocatedBytes);

internal sealed record OdooBenchResult(
    string StartedUtc, string CommandLine, string Machine, double[] LoadAverage, OdooBenchOptions Options, List<OdooRunResult> Runs);

/// <summary>
/// Posting approved allocations to the Odoo emulator (test kit) through the real <see cref="OdooPoster"/>, once per batch
/// size, each against a fresh emulator: records/s, HTTP requests and create calls per 1,000 records.
/// </summary>
internal static class OdooPostingBenchmark
{
    private const string Lines = "account.analytic.line";

    public static async Task<OdooBenchResult> RunAsync(OdooBenchOptions options, TextWriter output, string commandLine, CancellationToken cancellationToken)
    {
        options.Validate();
        double[] load = MachineInfo.LoadAverage();
        var runs = new List<OdooRunResult>();
        foreach (int batchSize in options.BatchSizes)
        {
            await using OdooEmulator emulator = await OdooEmulator.StartAsync(ct: cancellationToken).ConfigureAwait(false);
            emulator.ResponseDelay = options.ServerDelay;
            string[] projects = ["PRJ-1001", "PRJ-1002", "PRJ-1003", "PRJ-1004"];
            string[] costs = ["03-200", "03-300", "03-400"];
            foreach (string project in projects)
            {
                emulator.AddAnalyticAccount(project + " site", project, 1);
            }

            long costPlan = emulator.AddAnalyticPlan("Cost Codes");
            foreach (string cost in costs)
            {
                emulator.AddAnalyticAccount("Cost " + cost, cost, costPlan);
            }

            var odoo = new OdooOptions
            {
                Url = emulator.BaseUrl,
                Database = emulator.Database,
                Protocol = options.Protocol,
                Login = emulator.Login,
                ApiKey = emulator.ApiKey,
                PostingMode = OdooOptions.AnalyticLines,
                CostCodePlanId = costPlan,
                ExpenseAccountId = 32,
                RecoveryAccountId = 14,
                JournalId = 3,
                BatchSize = batchSize,
                RequestTimeout = TimeSpan.FromSeconds(30),
                BreakerMinimumThroughput = 10_000,
            };
            List<OdooPostingInput> allocations = Allocations(options, projects, costs);
            using var http = new HttpClient();
            var poster = new OdooPoster(OdooClientFactory.Create(http, odoo), odoo);

            // One warm-up allocation (JIT, connection, account lookups) that is not counted.
            await poster.PostAsync([allocations[0]], cancellationToken).ConfigureAwait(false);
            int requestsBefore = emulator.TotalRequests;
            int createsBefore = emulator.CreateBatchSizes(Lines).Count;
            GC.Collect();
            ResourceSnapshot before = ResourceSnapshot.Take();
            IReadOnlyList<PostingOutcome> outcomes = await poster.PostAsync(allocations.GetRange(1, allocations.Count - 1), cancellationToken).ConfigureAwait(false);
            ResourceUsage used = ResourceSnapshot.Take() - before;
            int records = (allocations.Count - 1) * options.LinesPerAllocation;
            int posted = 0;
            foreach (PostingOutcome outcome in outcomes)
            {
                posted += outcome.Posted ? outcome.OdooIds.Count : 0;
            }

            int requests = emulator.TotalRequests - requestsBefore;
            var run = new OdooRunResult(
                batchSize, records, posted, Math.Round(used.WallSeconds, 3), Math.Round(records / used.WallSeconds, 0), requests,
                emulator.CreateBatchSizes(Lines).Count - createsBefore, Math.Round(requests * 1000.0 / records, 1),
                Math.Round(used.CpuSeconds, 2), used.AllocatedBytes);
            runs.Add(run);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch size {batchSize,3}: {posted:N0} of {records:N0} records posted in {run.Seconds:0.00} s = {run.RecordsPerSecond:N0} records/s; {requests:N0} HTTP requests ({run.RequestsPer1000Records:0.0} per 1,000 records), {run.CreateCalls:N0} create calls; CPU {run.CpuSeconds:0.00} s"));
        }

        return new OdooBenchResult(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), commandLine, MachineInfo.Describe(), load, options, runs);
    }

    private static List<OdooPostingInput> Allocations(OdooBenchOptions options, string[] projects, string[] costs)
    {
        var allocations = new List<OdooPostingInput>(options.Allocations + 1);
        var first = new DateOnly(2026, 1, 1);
        for (int a = 0; a <= options.Allocations; a++)
        {
            DateOnly period = first.AddDays(a / (projects.Length * costs.Length));
            string project = projects[a % projects.Length];
            string cost = costs[(a / projects.Length) % costs.Length];
            string id = AllocationIds.Format(period, project, cost, 1);
            var lines = new List<OdooPostingLine>(options.LinesPerAllocation);
            for (int i = 0; i < options.LinesPerAllocation; i++)
            {
                string equipment = "EX-" + i.ToString("D4", CultureInfo.InvariantCulture);
                lines.Add(new OdooPostingLine(AllocationIds.LineId(id, equipment), equipment, 2.5m + (i % 7), 100.25m + i));
            }

            allocations.Add(new OdooPostingInput(id, period, project, cost, "USD", lines));
        }

        return allocations;
    }
}

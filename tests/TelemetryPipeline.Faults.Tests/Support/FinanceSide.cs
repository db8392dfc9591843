using System.Globalization;
using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.TestKit;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>
/// A ledger database of its own with staged allocations, and an Odoo emulator set up like a configured customer database
/// (projects in the Project plan, cost codes in a "Cost Codes" plan), for driving the host's finance verbs as processes.
/// </summary>
internal sealed class FinanceSide : IAsyncDisposable
{
    public const string Lines = "account.analytic.line";
    public const string Approver = "finance@faults-test";

    private static readonly string[] s_projects = ["PRJ-1001", "PRJ-1002"];
    private static readonly AppliedRate s_rate = new(130.0000m, 30.0000m, FuelIncluded: false, 1.5500m, "USD", ValidFromMs: 1_767_225_600_000);

    private FinanceSide(PostgresServer postgres, string connectionString, OdooEmulator odoo, long costPlanId, List<Allocation> allocations)
    {
        Postgres = postgres;
        ConnectionString = connectionString;
        Odoo = odoo;
        CostPlanId = costPlanId;
        Allocations = allocations;
    }

    public PostgresServer Postgres { get; }

    public string ConnectionString { get; }

    public OdooEmulator Odoo { get; }

    public long CostPlanId { get; }

    /// <summary>The staged allocations, each with two equipment lines.</summary>
    public IReadOnlyList<Allocation> Allocations { get; }

    /// <summary>Every line ref the allocations must end up with in Odoo, exactly once each.</summary>
    public IEnumerable<string> LineRefs => Allocations.SelectMany(a => a.Lines.Select(l => AllocationIds.LineId(a.AllocationId, l.EquipmentId)));

    /// <summary>Creates the database (migrated), stages <paramref name="count"/> allocations and approves them unless told not to.</summary>
    public static async Task<FinanceSide> CreateAsync(FaultsFixture fixture, string name, int count, bool approve = true)
    {
        PostgresServer postgres = await fixture.PostgresAsync();
        string database = await postgres.CreateDatabaseAsync(name);
        string connectionString = postgres.ConnectionString(database);
        OdooEmulator odoo = await OdooEmulator.StartAsync();
        foreach (string project in s_projects)
        {
            odoo.AddAnalyticAccount("Project " + project, project, 1);
        }

        long costPlan = odoo.AddAnalyticPlan("Cost Codes");
        var allocations = new List<Allocation>(count);
        var period = new DateOnly(2026, 11, 20);
        for (int i = 0; i < count; i++)
        {
            string costCode = string.Create(CultureInfo.InvariantCulture, $"CC-{i:000}");
            odoo.AddAnalyticAccount("Cost code " + costCode, costCode, costPlan);
            allocations.Add(new Allocation(
                period,
                s_projects[i % s_projects.Length],
                costCode,
                1,
                "USD",
                AllocationStatus.Pending,
                [
                    new AllocationLine("EX-0001", 8 * 3_600_000L, 3_600_000L, 120_000, 1040.00m + i, 30.00m, 186.00m, s_rate),
                    new AllocationLine("EX-0002", 2 * 3_600_000L, 0, 0, 260.00m, 0m, 0m, s_rate),
                ]));
        }

        await using (LedgerStore ledger = Ledger(connectionString))
        {
            await ledger.MigrateAsync();
            (await ledger.StageAsync(allocations)).Should().Be(count);
            if (approve)
            {
                foreach (Allocation allocation in allocations)
                {
                    (await ledger.ApproveAsync(allocation.AllocationId, Approver, "ok")).Succeeded.Should().BeTrue();
                }
            }
        }

        return new FinanceSide(postgres, connectionString, odoo, costPlan, allocations);
    }

    /// <summary>A fresh ledger client (its own pool: nothing stale after a server restart).</summary>
    public LedgerStore NewLedger() => Ledger(ConnectionString);

    /// <summary>TP__ settings for the finance verbs (<c>post</c>, <c>allocations</c>): this ledger and this Odoo, JSON-2.</summary>
    public Dictionary<string, string> Settings(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TP__Ledger__ConnectionString"] = ConnectionString,
            ["TP__Odoo__Url"] = Odoo.BaseUrl,
            ["TP__Odoo__Database"] = Odoo.Database,
            ["TP__Odoo__Protocol"] = "json2",
            ["TP__Odoo__Login"] = Odoo.Login,
            ["TP__Odoo__ApiKey"] = Odoo.ApiKey,
            ["TP__Odoo__CostCodePlanId"] = CostPlanId.ToString(CultureInfo.InvariantCulture),
            ["TP__Odoo__MaxRetries"] = "2",
            ["TP__Odoo__RetryBaseDelay"] = "00:00:00.050",
            ["TP__Odoo__RetryMaxDelay"] = "00:00:00.200",
            ["TP__Odoo__RequestTimeout"] = "00:00:02",
            ["TP__Logging__LogLevel__Default"] = "Information",
        };
        foreach ((string key, string value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>How many analytic lines Odoo holds per ref.</summary>
    public Dictionary<string, int> OdooLinesByRef() =>
        Odoo.Records(Lines).GroupBy(r => r["ref"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Asserts that Odoo holds exactly one analytic line per allocation line, with its amount, and nothing else.</summary>
    public void AssertExactlyOneOdooLinePerAllocationLine()
    {
        IReadOnlyList<JsonObject> records = Odoo.Records(Lines);
        Dictionary<string, int> byRef = OdooLinesByRef();
        byRef.Where(p => p.Value > 1).Should().BeEmpty("no allocation line may be posted twice");
        byRef.Keys.Should().BeEquivalentTo(LineRefs, "every allocation line is in Odoo, and nothing else");
        foreach (Allocation allocation in Allocations)
        {
            foreach (AllocationLine line in allocation.Lines)
            {
                string lineRef = AllocationIds.LineId(allocation.AllocationId, line.EquipmentId);
                JsonObject record = records.Single(r => r["ref"]!.GetValue<string>() == lineRef);
                record["amount"]!.GetValue<decimal>().Should().Be(-line.Amount, lineRef);
            }
        }
    }

    /// <summary>
    /// Asserts that every allocation is posted and that its audit trail is one unbroken chain from staging to posted:
    /// each row starts where the one before ended (nothing lost), exactly one approval and one posting (nothing doubled).
    /// </summary>
    public async Task AssertPostedWithUnbrokenAuditTrailsAsync()
    {
        await using LedgerStore ledger = NewLedger();
        foreach (Allocation allocation in Allocations)
        {
            LedgerEntry entry = (await ledger.GetAsync(allocation.AllocationId))!;
            entry.Status.Should().Be(AllocationStatus.Posted, $"{allocation.AllocationId}: {entry.PostError}");
            IReadOnlyList<AuditEntry> audit = await ledger.GetAuditAsync(allocation.AllocationId);
            AssertUnbrokenChain(allocation.AllocationId, audit, AllocationStatus.Posted);
            audit.Count(a => a.ToStatus == AllocationStatus.Approved).Should().Be(1, allocation.AllocationId);
            audit.Count(a => a.ToStatus == AllocationStatus.Posted).Should().Be(1, allocation.AllocationId);
        }
    }

    public static void AssertUnbrokenChain(string allocationId, IReadOnlyList<AuditEntry> audit, AllocationStatus current)
    {
        audit.Should().NotBeEmpty(allocationId);
        audit[0].FromStatus.Should().BeNull($"{allocationId} starts with its staging");
        audit[0].ToStatus.Should().Be(AllocationStatus.Pending, allocationId);
        for (int i = 1; i < audit.Count; i++)
        {
            audit[i].FromStatus.Should().Be(audit[i - 1].ToStatus, $"{allocationId}: audit row {i} must start where row {i - 1} ended");
        }

        audit[^1].ToStatus.Should().Be(current, $"{allocationId}: the last audit row is the current status");
    }

    public async ValueTask DisposeAsync()
    {
        await Odoo.DisposeAsync();
    }

    private static LedgerStore Ledger(string connectionString) =>
        LedgerStore.Create(new LedgerOptions { ConnectionString = connectionString });
}

using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Odoo.Posting;

namespace TelemetryPipeline.Finance.Tests;

[Collection(FinanceCollection.Name)]
public sealed class ReconciliationTests(FinanceFixture fixture)
{
    private static readonly DateOnly s_from = new(2026, 11, 1);
    private static readonly DateOnly s_to = new(2026, 11, 30);

    [Fact]
    public async Task ReconcileAsync_AfterPostingWithANegativeRevision_IsClean()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "rec_clean");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await PostingTests.SettleDaysAsync(world, 2);
        await world.ApproveAllAsync();
        await odoo.Posting(world.Ledger, odoo.Options()).PostAsync(CancellationToken.None);

        // EX-A's card was too high: 100.00 → 92.40 from the 1st; each day gets a revision of −7.60 for EX-A.
        await world.UpsertAsync(rates: [Md.Rate("EX-A", 92.40m)]);
        (await world.SettleAsync("2026-11-25T13:00Z")).AllocationsStaged.Should().Be(2);
        await world.ApproveAllAsync();
        AllocationPostingSummary posted = await odoo.Posting(world.Ledger, odoo.Options()).PostAsync(CancellationToken.None);
        posted.Posted.Should().HaveCount(2);
        odoo.Emulator.Records(OdooSide.Lines).Where(r => r["ref"]!.GetValue<string>().Contains("/r2/", StringComparison.Ordinal))
            .Select(r => r["amount"]!.GetValue<decimal>()).Should().Equal(7.60m, 7.60m);

        LedgerReconciliationResult result = await odoo.Reconciliation(world.Ledger, odoo.Options()).ReconcileAsync(s_from, s_to, CancellationToken.None);

        result.IsClean.Should().BeTrue(result.Summary);
        result.ExitCode.Should().Be(0);
        result.Report.AllocationsChecked.Should().Be(4);
        result.Report.OdooRecords.Should().Be(6);
        result.LedgerStatuses.Should().BeEquivalentTo(new Dictionary<AllocationStatus, int> { [AllocationStatus.Posted] = 4 });
        result.Summary.Should().Be("reconciliation 2026-11-01..2026-11-30: 4 allocation(s) in the ledger (posted 4), 6 Odoo record(s): clean");
    }

    [Fact]
    public async Task ReconcileAsync_OdooEditedAndDeleted_FindsTheDifferences()
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "rec_diff");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await PostingTests.SettleDaysAsync(world, 2);
        await world.ApproveAllAsync();
        await odoo.Posting(world.Ledger, odoo.Options()).PostAsync(CancellationToken.None);
        IReadOnlyList<JsonObject> records = odoo.Emulator.Records(OdooSide.Lines);
        JsonObject edited = records[0];
        JsonObject deleted = records[3];
        odoo.Emulator.UpdateRecord(OdooSide.Lines, edited["id"]!.GetValue<long>(), new JsonObject { ["amount"] = -99.99m });
        odoo.Emulator.DeleteRecord(OdooSide.Lines, deleted["id"]!.GetValue<long>());

        LedgerReconciliationResult result = await odoo.Reconciliation(world.Ledger, odoo.Options(OdooOptions.JsonRpc)).ReconcileAsync(s_from, s_to, CancellationToken.None);

        result.IsClean.Should().BeFalse();
        result.ExitCode.Should().Be(1);
        result.Report.Differences.Select(d => (d.Kind, d.LineId)).Should().BeEquivalentTo(new[]
        {
            (OdooDifferenceKind.AmountMismatch, edited["ref"]!.GetValue<string>()),
            (OdooDifferenceKind.MissingInOdoo, deleted["ref"]!.GetValue<string>()),
        });
        result.Summary.Should().Contain("2 difference(s)").And.Contain("AmountMismatch: " + edited["ref"]!.GetValue<string>()).And.Contain("MissingInOdoo: " + deleted["ref"]!.GetValue<string>());
    }
}

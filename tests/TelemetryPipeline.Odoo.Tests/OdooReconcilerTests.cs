using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

public sealed class OdooReconcilerTests
{
    private static readonly DateOnly s_from = new(2026, 11, 1);
    private static readonly DateOnly s_to = new(2026, 11, 30);

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task ReconcileAsync_AfterPosting_FindsNoDifference(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(protocol);
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1001", "03-200", 3), OdooWorld.Allocation("PRJ-1002", "03-300", 2, day: 21)];
        await world.Poster(options).PostAsync(allocations, CancellationToken.None);

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted(allocations), s_from, s_to, CancellationToken.None);

        report.Differences.Should().BeEmpty();
        report.IsClean.Should().BeTrue();
        report.OdooRecords.Should().Be(5);
    }

    [Fact]
    public async Task ReconcileAsync_InjectedDifferences_ListsEachOne()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2);
        var a = OdooWorld.Allocation("PRJ-1001", "03-200", 3);
        var b = OdooWorld.Allocation("PRJ-1002", "03-300", 2, day: 21);
        var approved = OdooWorld.Allocation("PRJ-1001", "03-300", 1, day: 22);
        var outcomes = await world.Poster(options).PostAsync([a, b, approved], CancellationToken.None);

        world.Emulator.DeleteRecord("account.analytic.line", outcomes[0].OdooIds[0]);
        world.Emulator.UpdateRecord("account.analytic.line", outcomes[0].OdooIds[1], new JsonObject { ["amount"] = -1.0 });
        world.Emulator.UpdateRecord("account.analytic.line", outcomes[0].OdooIds[2], new JsonObject { ["unit_amount"] = 9.0 });
        world.Emulator.CreateRecord("account.analytic.line", Line(world, b.Lines[0].LineId, -100.25));
        world.Emulator.CreateRecord("account.analytic.line", Line(world, "2026-11-23/PRJ-1001/03-200/r1/EX-9999", -5));
        world.Emulator.CreateRecord("account.analytic.line", Line(world, "not an allocation ref", -5));
        List<OdooLedgerAllocation> ledger = [new(a, AllocationStatus.Posted), new(b, AllocationStatus.Posted), new(approved, AllocationStatus.Approved)];

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(ledger, s_from, s_to, CancellationToken.None);

        report.Differences.Select(d => (d.Kind, d.LineId)).Should().BeEquivalentTo(
        [
            (OdooDifferenceKind.MissingInOdoo, a.Lines[0].LineId),
            (OdooDifferenceKind.AmountMismatch, a.Lines[1].LineId),
            (OdooDifferenceKind.FieldMismatch, a.Lines[2].LineId),
            (OdooDifferenceKind.Duplicate, b.Lines[0].LineId),
            (OdooDifferenceKind.NotMarkedPosted, approved.Lines[0].LineId),
            (OdooDifferenceKind.NotInLedger, "2026-11-23/PRJ-1001/03-200/r1/EX-9999"),
        ]);
        report.Differences.Single(d => d.Kind == OdooDifferenceKind.NotInLedger).AllocationId.Should().Be("2026-11-23/PRJ-1001/03-200/r1");
        report.Differences.Single(d => d.Kind == OdooDifferenceKind.Duplicate).OdooIds.Should().HaveCount(2);
        report.Differences.Single(d => d.Kind == OdooDifferenceKind.FieldMismatch).Detail.Should().Contain("hours 9");
    }

    [Fact]
    public async Task ReconcileAsync_LineWithEditedDate_IsComparedNotReportedMissing()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2);
        var a = OdooWorld.Allocation("PRJ-1001", "03-200", 1);
        var outcomes = await world.Poster(options).PostAsync([a], CancellationToken.None);
        world.Emulator.UpdateRecord("account.analytic.line", outcomes[0].OdooIds[0], new JsonObject { ["date"] = "2027-01-05" });

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted([a]), s_from, s_to, CancellationToken.None);

        report.Differences.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = OdooDifferenceKind.FieldMismatch, Detail = "date 2027-01-05 vs 2026-11-20" });
    }

    [Fact]
    public async Task ReconcileAsync_DraftMoves_FindsMissingChangedAndCancelled()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.JsonRpc, OdooOptions.DraftMove);
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1001", "03-200", 2), OdooWorld.Allocation("PRJ-1002", "03-200", 1, day: 21), OdooWorld.Allocation("PRJ-1002", "03-300", 1, day: 22)];
        var outcomes = await world.Poster(options).PostAsync(allocations, CancellationToken.None);
        world.Emulator.DeleteRecord("account.move", outcomes[0].OdooIds[0]);
        world.Emulator.UpdateRecord("account.move", outcomes[2].OdooIds[0], new JsonObject { ["state"] = "cancel" });
        var clean = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted(allocations[1..2]), s_from, s_to, CancellationToken.None);

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted(allocations), s_from, s_to, CancellationToken.None);

        clean.Differences.Should().ContainSingle(d => d.Kind == OdooDifferenceKind.NotInLedger, "allocation 3 is in Odoo but was not given to this reconciliation");
        report.Differences.Select(d => (d.Kind, d.AllocationId)).Should().BeEquivalentTo(
        [
            (OdooDifferenceKind.MissingInOdoo, allocations[0].AllocationId),
            (OdooDifferenceKind.CancelledInOdoo, allocations[2].AllocationId),
        ]);
    }

    private static List<OdooLedgerAllocation> Posted(IEnumerable<OdooPostingInput> allocations) =>
        [.. allocations.Select(a => new OdooLedgerAllocation(a, AllocationStatus.Posted))];

    private static JsonObject Line(OdooWorld world, string reference, double amount) => new()
    {
        ["name"] = "manual",
        ["account_id"] = world.Projects["PRJ-1002"],
        [world.CostColumn] = world.CostCodes["03-300"],
        ["date"] = "2026-11-21",
        ["amount"] = amount,
        ["unit_amount"] = 2.5,
        ["ref"] = reference,
    };
}

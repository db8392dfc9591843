using TelemetryPipeline.Domain;
using TelemetryPipeline.Finance.Tests.Support;
using TelemetryPipeline.Odoo;
using TelemetryPipeline.Odoo.Posting;

namespace TelemetryPipeline.Finance.Tests;

[Collection(FinanceCollection.Name)]
public sealed class SecretLeakTests(FinanceFixture fixture)
{
    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task FinanceFlows_WithFailures_NeverLogOrStoreTheApiKey(string protocol)
    {
        await using FinanceWorld world = await FinanceWorld.CreateAsync(fixture, "secrets");
        await using OdooSide odoo = await OdooSide.StartAsync(world.Logs);
        await PostingTests.SettleDaysAsync(world, 3);
        await world.ApproveAllAsync();
        string key = odoo.Emulator.ApiKey;
        string wrongKey = "wrong-" + Guid.NewGuid().ToString("N");
        var outputs = new List<string>();

        // Refused credentials: every allocation fails, with the reason kept in the ledger.
        AllocationPostingSummary refused = await odoo.Posting(world.Ledger, odoo.Options(protocol) with { ApiKey = wrongKey }).PostAsync(CancellationToken.None);
        refused.Failed.Should().HaveCount(3);
        outputs.Add(refused.Summary);

        // Unavailable, then refusing one record, then a clean retry and a reconciliation.
        odoo.Emulator.FailNextRequests(50, 503);
        AllocationPostingSummary unavailable = await odoo.Posting(world.Ledger, odoo.Options(protocol)).PostAsync(CancellationToken.None);
        unavailable.Failed.Should().NotBeEmpty();
        outputs.Add(unavailable.Summary);
        odoo.Emulator.ResetFaults();
        odoo.Emulator.RejectRecordsWhere((_, values) => values["ref"]?.GetValue<string>().Contains("EX-B", StringComparison.Ordinal) == true, "refused: " + key.Length);
        outputs.Add((await odoo.Posting(world.Ledger, odoo.Options(protocol)).PostAsync(CancellationToken.None)).Summary);
        odoo.Emulator.RejectRecordsWhere(null);
        AllocationPostingSummary last = await odoo.Posting(world.Ledger, odoo.Options(protocol)).PostAsync(CancellationToken.None);
        outputs.Add(last.Summary);
        outputs.Add((await odoo.Reconciliation(world.Ledger, odoo.Options(protocol)).ReconcileAsync(new(2026, 11, 1), new(2026, 11, 30), CancellationToken.None)).Summary);
        (await world.AllAsync()).Should().AllSatisfy(a => a.Status.Should().Be(AllocationStatus.Posted));

        string logs = string.Join("\n", world.Logs.Lines);
        world.Logs.Lines.Should().NotBeEmpty();
        logs.Should().Contain("Posting to Odoo", "the capture saw the posting service's lines");
        logs.Should().NotContain(key).And.NotContain(wrongKey);
        string.Join("\n", outputs).Should().NotContain(key).And.NotContain(wrongKey);
        string stored = await world.ScalarAsync<string>(
            "SELECT coalesce(string_agg(coalesce(post_error, '') || coalesce(odoo_refs, ''), '|'), '') FROM allocations");
        string audit = await world.ScalarAsync<string>("SELECT coalesce(string_agg(coalesce(comment, ''), '|'), '') FROM allocation_audit");
        (stored + audit).Should().NotContain(key).And.NotContain(wrongKey);
        audit.Should().Contain("Odoo lookup before posting failed", "the refused credentials were recorded as a failure, without the key");
    }
}

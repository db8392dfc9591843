using System.Text.Json.Nodes;
using TelemetryPipeline.Odoo.Tests.Support;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Odoo.Tests;

public sealed class OdooPosterTests
{
    private const string Lines = "account.analytic.line";

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_NewAllocation_CreatesOneAnalyticLinePerEquipmentLine(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 3);

        var outcomes = await world.Poster(world.Options(protocol)).PostAsync([allocation], CancellationToken.None);

        outcomes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { allocation.AllocationId, Posted = true, Error = (string?)null });
        outcomes[0].OdooIds.Should().HaveCount(3);
        var stored = world.Emulator.Records(Lines);
        stored.Should().HaveCount(3);
        var first = stored.Single(r => r["ref"]!.GetValue<string>() == allocation.Lines[0].LineId);
        first["account_id"]!.GetValue<long>().Should().Be(world.Projects["PRJ-1001"]);
        first[world.CostColumn]!.GetValue<long>().Should().Be(world.CostCodes["03-200"]);
        first["amount"]!.GetValue<decimal>().Should().Be(-100.25m, "a cost is a negative analytic amount");
        first["unit_amount"]!.GetValue<decimal>().Should().Be(2.5m);
        first["date"]!.GetValue<string>().Should().Be("2026-11-20");
        world.Emulator.CreateBatchSizes(Lines).Should().Equal(3);
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_SameAllocationsTwice_CreatesNothingTheSecondTime(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var poster = world.Poster(world.Options(protocol));
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1001", "03-200", 2), OdooWorld.Allocation("PRJ-1002", "03-300", 4)];

        var first = await poster.PostAsync(allocations, CancellationToken.None);
        var second = await poster.PostAsync(allocations, CancellationToken.None);

        second.Should().AllSatisfy(o => o.Posted.Should().BeTrue());
        second.Select(o => o.OdooIds).Should().BeEquivalentTo(first.Select(o => o.OdooIds), o => o.WithStrictOrdering());
        world.Emulator.Records(Lines).Should().HaveCount(6);
        world.Emulator.CreateBatchSizes(Lines).Should().HaveCount(1, "the second run found every ref and created nothing");
    }

    [Fact]
    public async Task PostAsync_250Lines_CreatesInCallsOfAtMost100Records()
    {
        await using var world = await OdooWorld.StartAsync();
        var allocations = Enumerable.Range(1, 25).Select(day => OdooWorld.Allocation("PRJ-1001", "03-200", 10, day)).ToList();

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync(allocations, CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue());
        world.Emulator.CreateBatchSizes(Lines).Should().Equal(100, 100, 50);
        world.Emulator.Records(Lines).Should().HaveCount(250);
    }

    [Fact]
    public async Task PostAsync_AllocationLargerThanBatch_IsSplitAcrossCalls()
    {
        await using var world = await OdooWorld.StartAsync();

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2) with { BatchSize = 40 }).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 90)], CancellationToken.None);

        outcomes[0].Posted.Should().BeTrue();
        outcomes[0].OdooIds.Should().HaveCount(90).And.OnlyHaveUniqueItems();
        world.Emulator.CreateBatchSizes(Lines).Should().Equal(40, 40, 10);
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_OdooFailsMidBatch_RetryLeavesExactlyOneRecordPerLine(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var allocations = Enumerable.Range(1, 25).Select(day => OdooWorld.Allocation("PRJ-1001", "03-200", 10, day)).ToList();
        world.Emulator.FailAfterCreates(150);

        var outcomes = await world.Poster(world.Options(protocol)).PostAsync(allocations, CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue());
        AssertOneRecordPerLine(world, allocations);
        world.Emulator.CreateBatchSizes(Lines).Should().Equal([100, 100, 50, 50], "the failed call kept 50 records, the retry created only the other 50");
    }

    [Theory]
    [InlineData(OdooOptions.Json2, "account.analytic.line.create")]
    [InlineData(OdooOptions.JsonRpc, "account.analytic.line.create")]
    public async Task PostAsync_ConnectionDroppedAfterCommit_DoesNotDuplicate(string protocol, string requestKey)
    {
        await using var world = await OdooWorld.StartAsync();
        var allocations = new[] { OdooWorld.Allocation("PRJ-1001", "03-200", 5), OdooWorld.Allocation("PRJ-1002", "03-300", 5) };
        world.Emulator.DropConnections(1, afterProcessing: true, requestKey: requestKey);

        var outcomes = await world.Poster(world.Options(protocol)).PostAsync(allocations, CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue());
        AssertOneRecordPerLine(world, allocations);
        world.Emulator.RequestCount(requestKey).Should().Be(1, "the lookup after the dropped answer found every record");
    }

    [Fact]
    public async Task PostAsync_ConnectionDroppedBeforeProcessing_RetriesAndPosts()
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 5);
        world.Emulator.DropConnections(2);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync([allocation], CancellationToken.None);

        outcomes[0].Posted.Should().BeTrue();
        AssertOneRecordPerLine(world, [allocation]);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task PostAsync_TransientServerErrors_RetriesWithBackoffAndPosts(int status)
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 3);
        world.Emulator.FailNextRequests(3, status);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync([allocation], CancellationToken.None);

        outcomes[0].Posted.Should().BeTrue();
        world.Emulator.Records(Lines).Should().HaveCount(3);
    }

    [Fact]
    public async Task PostAsync_OdooTooSlow_FailsThenRepostCreatesNoDuplicates()
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 4);
        var options = world.Options(OdooOptions.JsonRpc) with { RequestTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1 };
        world.Emulator.ResponseDelay = TimeSpan.FromMilliseconds(700);

        var slow = await world.Poster(options).PostAsync([allocation], CancellationToken.None);
        world.Emulator.ResponseDelay = TimeSpan.Zero;
        var recovered = await world.Poster(options).PostAsync([allocation], CancellationToken.None);

        slow[0].Posted.Should().BeFalse();
        slow[0].Error.Should().Contain("no answer within");
        recovered[0].Posted.Should().BeTrue();
        AssertOneRecordPerLine(world, [allocation]);
    }

    [Fact]
    public async Task PostAsync_PersistentOutage_OpensTheCircuitAndFailsFast()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with
        {
            BatchSize = 1,
            MaxRetries = 1,
            BreakerMinimumThroughput = 3,
            BreakerFailureRatio = 0.5,
            BreakerBreakDuration = TimeSpan.FromSeconds(30),
        };
        var poster = world.Poster(options);
        var warmUp = await poster.PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1, day: 1)], CancellationToken.None);
        world.Emulator.FailNextRequests(10_000, 503);
        var errors = new List<string?>();
        for (var day = 2; day < 8; day++)
        {
            var outcome = await poster.PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1, day)], CancellationToken.None);
            errors.Add(outcome[0].Error);
        }

        var before = world.Emulator.TotalRequests;
        var failedFast = await poster.PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1, day: 9)], CancellationToken.None);

        warmUp[0].Posted.Should().BeTrue();
        errors.Should().AllSatisfy(e => e.Should().NotBeNull());
        errors[^1].Should().Contain("circuit open");
        failedFast[0].Error.Should().Contain("circuit open");
        world.Emulator.TotalRequests.Should().Be(before, "an open circuit stops calling Odoo");
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_OdooRefusesOneAllocation_OnlyThatOneFailsWithOdoosMessage(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var good1 = OdooWorld.Allocation("PRJ-1001", "03-200", 3);
        var bad = OdooWorld.Allocation("PRJ-1001", "03-300", 2);
        var good2 = OdooWorld.Allocation("PRJ-1002", "03-300", 3);
        world.Emulator.RejectRecordsWhere(
            (model, values) => model == Lines && values["ref"]!.GetValue<string>().StartsWith(bad.AllocationId, StringComparison.Ordinal),
            "You cannot add entries to a locked period.");

        var outcomes = await world.Poster(world.Options(protocol)).PostAsync([good1, bad, good2], CancellationToken.None);

        outcomes[0].Posted.Should().BeTrue();
        outcomes[2].Posted.Should().BeTrue();
        outcomes[1].Posted.Should().BeFalse();
        outcomes[1].Error.Should().Be("Odoo refused it: You cannot add entries to a locked period.");
        world.Emulator.Records(Lines).Should().HaveCount(6);
        world.Emulator.Records(Lines).Should().NotContain(r => r["ref"]!.GetValue<string>().StartsWith(bad.AllocationId, StringComparison.Ordinal));
        world.Emulator.CreateBatchSizes(Lines).Should().Equal([8, 3, 2, 3], "the refused batch is retried allocation by allocation");
    }

    [Fact]
    public async Task PostAsync_AccountOfAnotherCompany_IsInvisibleAndFailsBeforeSending()
    {
        await using var world = await OdooWorld.StartAsync();
        var companyB = world.Emulator.CreateRecord("res.company", new JsonObject { ["name"] = "Alloc Co B", ["currency_id"] = 1 });
        world.Emulator.AddAnalyticAccount("PRJ-B-2001", "PRJ-B-2001", 1, companyB);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync([OdooWorld.Allocation("PRJ-B-2001", "03-200", 1)], CancellationToken.None);

        outcomes[0].Error.Should().Contain("analytic account for project PRJ-B-2001 not found", "company 1 does not see company 2's accounts");
        world.Emulator.CreateBatchSizes(Lines).Should().BeEmpty();
    }

    [Fact]
    public async Task PostAsync_UnknownProjectOrCurrency_FailsBeforeSendingAnything()
    {
        await using var world = await OdooWorld.StartAsync();
        var unknownProject = OdooWorld.Allocation("PRJ-404", "03-200", 2);
        var unknownCostCode = OdooWorld.Allocation("PRJ-1001", "99-999", 2);
        var euros = OdooWorld.Allocation("PRJ-1002", "03-200", 2, currency: "EUR");

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync([unknownProject, unknownCostCode, euros], CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeFalse());
        outcomes[0].Error.Should().Contain("analytic account for project PRJ-404 not found: create it with code PRJ-404 in plan 1");
        outcomes[1].Error.Should().Contain("cost code 99-999");
        outcomes[2].Error.Should().Contain("in EUR but Odoo company 1 keeps amounts in USD");
        world.Emulator.CreateBatchSizes(Lines).Should().BeEmpty();
    }

    [Fact]
    public async Task PostAsync_MappedAccountInWrongPlan_FailsBeforeSending()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with { ProjectAccounts = new Dictionary<string, long> { ["PRJ-1001"] = world.CostCodes["03-200"] } };

        var outcomes = await world.Poster(options).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1)], CancellationToken.None);

        outcomes[0].Error.Should().Contain("Odoo:ProjectAccounts:PRJ-1001").And.Contain("not plan 1");
    }

    [Fact]
    public async Task PostAsync_SameAllocationTwiceInOneCall_PostsItOnce()
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 2);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync([allocation, allocation], CancellationToken.None);

        outcomes.Should().HaveCount(2).And.AllSatisfy(o => o.Posted.Should().BeTrue());
        outcomes[0].OdooIds.Should().Equal(outcomes[1].OdooIds);
        world.Emulator.Records(Lines).Should().HaveCount(2);
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_DraftMoveMode_CreatesOneBalancedDraftPerAllocationAndNoAnalyticLines(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var poster = world.Poster(world.Options(protocol, OdooOptions.DraftMove));
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1001", "03-200", 3), OdooWorld.Allocation("PRJ-1002", "03-300", 2)];

        var outcomes = await poster.PostAsync(allocations, CancellationToken.None);
        var again = await poster.PostAsync(allocations, CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue());
        again.Select(o => o.OdooIds).Should().BeEquivalentTo(outcomes.Select(o => o.OdooIds), o => o.WithStrictOrdering());
        var moves = world.Emulator.Records("account.move");
        moves.Should().HaveCount(2);
        moves.Should().AllSatisfy(m =>
        {
            m["state"]!.GetValue<string>().Should().Be("draft");
            m["journal_id"]!.GetValue<long>().Should().Be(OdooWorld.MiscJournalId);
        });
        var lines = world.Emulator.Records("account.move.line");
        lines.Should().HaveCount(7, "one expense line per equipment line plus one recovery line per allocation");
        lines.Sum(l => l["debit"]!.GetValue<decimal>()).Should().Be(lines.Sum(l => l["credit"]!.GetValue<decimal>()));
        var expense = lines.First(l => l["name"]!.GetValue<string>() == allocations[0].Lines[0].LineId);
        expense["account_id"]!.GetValue<long>().Should().Be(OdooWorld.ExpenseAccountId);
        expense["analytic_distribution"]!.ToJsonString().Should().Be($"{{\"{world.Projects["PRJ-1001"]},{world.CostCodes["03-200"]}\":100}}");
        world.Emulator.Records(Lines).Should().BeEmpty("finance posts the entry; Odoo then creates the analytic lines");
    }

    [Fact]
    public async Task PostAsync_DraftMovePostedByFinance_YieldsAnalyticLinesWithBothPlans()
    {
        await using var world = await OdooWorld.StartAsync();
        var allocation = OdooWorld.Allocation("PRJ-1001", "03-200", 2);
        var outcomes = await world.Poster(world.Options(OdooOptions.Json2, OdooOptions.DraftMove)).PostAsync([allocation], CancellationToken.None);

        world.Emulator.PostMove(outcomes[0].OdooIds[0]);

        var analytic = world.Emulator.Records(Lines);
        analytic.Should().HaveCount(2);
        analytic.Select(l => l["amount"]!.GetValue<decimal>()).Should().BeEquivalentTo([-100.25m, -101.25m]);
        analytic.Should().AllSatisfy(l =>
        {
            l["account_id"]!.GetValue<long>().Should().Be(world.Projects["PRJ-1001"]);
            l[world.CostColumn]!.GetValue<long>().Should().Be(world.CostCodes["03-200"]);
        });
    }

    [Fact]
    public async Task PostAsync_NegativeRevision_SwapsDebitAndCreditAndStaysBalanced()
    {
        await using var world = await OdooWorld.StartAsync();
        var revision = OdooWorld.Allocation("PRJ-1001", "03-200", 2, amount: -50m, revision: 2);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2, OdooOptions.DraftMove)).PostAsync([revision], CancellationToken.None);

        outcomes[0].Posted.Should().BeTrue(outcomes[0].Error);
        var lines = world.Emulator.Records("account.move.line");
        lines.Where(l => l["account_id"]!.GetValue<long>() == OdooWorld.RecoveryAccountId).Single()["debit"]!.GetValue<decimal>().Should().Be(99m);
    }

    [Fact]
    public async Task PostAsync_DraftMoveWithUnknownJournal_FailsBeforeSending()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2, OdooOptions.DraftMove) with { JournalId = 999 };

        var outcomes = await world.Poster(options).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1)], CancellationToken.None);

        outcomes[0].Error.Should().Contain("journal 999 (Odoo:JournalId) not found");
        world.Emulator.Records("account.move").Should().BeEmpty();
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_WrongApiKey_FailsEveryAllocationAndNeverLogsTheKey(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var wrongKey = "wrong-" + Guid.NewGuid().ToString("N");
        var options = world.Options(protocol) with { ApiKey = wrongKey };

        var outcomes = await world.Poster(options).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1), OdooWorld.Allocation("PRJ-1002", "03-200", 1)], CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeFalse());
        outcomes.Should().AllSatisfy(o => o.Error.Should().NotContain(wrongKey));
        world.Loggers.Lines.Should().NotBeEmpty().And.NotContain(l => l.Contains(wrongKey, StringComparison.Ordinal));
    }

    private static void AssertOneRecordPerLine(OdooWorld world, IEnumerable<OdooPostingInput> allocations)
    {
        var byRef = world.Emulator.Records(Lines).GroupBy(r => r["ref"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
        var expected = allocations.SelectMany(a => a.Lines).Select(l => l.LineId).ToList();
        byRef.Keys.Should().BeEquivalentTo(expected);
        byRef.Values.Should().AllSatisfy(count => count.Should().Be(1));
    }
}

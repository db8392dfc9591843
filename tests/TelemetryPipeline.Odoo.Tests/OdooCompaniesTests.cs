using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

/// <summary>
/// One Odoo company per currency (<see cref="OdooOptions.Companies"/>): the world's USD company 1 plus a CAD company with
/// its own PRJ-1004 account and its own 03-200 cost-code account (same code as company 1's, invisible from there).
/// </summary>
public sealed class OdooCompaniesTests
{
    private const string Lines = "account.analytic.line";
    private static readonly DateOnly s_from = new(2026, 11, 1);
    private static readonly DateOnly s_to = new(2026, 11, 30);

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_UsdAndCadInOneRun_EachLandsInItsCompanyWithAmountsUnchanged(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out var cadCostCode);
        var options = world.Options(protocol) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };
        var usd = OdooWorld.Allocation("PRJ-1001", "03-200", 2);
        var canadian = OdooWorld.Allocation("PRJ-1004", "03-200", 3, amount: 310.40m, currency: "CAD");
        var usd2 = OdooWorld.Allocation("PRJ-1002", "03-300", 1, day: 21);

        var outcomes = await world.Poster(options).PostAsync([usd, canadian, usd2], CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue(o.Error));
        var stored = world.Emulator.Records(Lines);
        stored.Should().HaveCount(6);
        foreach (var line in canadian.Lines)
        {
            var record = stored.Single(r => r["ref"]!.GetValue<string>() == line.LineId);
            record["company_id"]!.GetValue<long>().Should().Be(cad);
            record["amount"]!.GetValue<decimal>().Should().Be(-line.Amount, "CAD amounts go to the CAD company as they are, never converted");
            record["account_id"]!.GetValue<long>().Should().Be(world.Projects["PRJ-1004"]);
            record[world.CostColumn]!.GetValue<long>().Should().Be(cadCostCode, "the CAD company's own 03-200 account");
        }

        foreach (var line in usd.Lines.Concat(usd2.Lines))
        {
            var record = stored.Single(r => r["ref"]!.GetValue<string>() == line.LineId);
            record["company_id"]!.GetValue<long>().Should().Be(1);
            record["amount"]!.GetValue<decimal>().Should().Be(-line.Amount);
        }

        stored.Single(r => r["ref"]!.GetValue<string>() == usd.Lines[0].LineId)[world.CostColumn]!.GetValue<long>().Should().Be(world.CostCodes["03-200"]);
        world.Emulator.CreateBatchSizes(Lines).Should().Equal([3, 3], "one create per company: USD (2 + 1 lines), then CAD (3 lines)");
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task PostAsync_UsdAndCadTwice_CreatesNothingTheSecondTime(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(protocol) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1004", "03-200", 2, currency: "CAD"), OdooWorld.Allocation("PRJ-1001", "03-200", 2)];
        var poster = world.Poster(options);

        var first = await poster.PostAsync(allocations, CancellationToken.None);
        var second = await world.Poster(options).PostAsync(allocations, CancellationToken.None);

        second.Should().AllSatisfy(o => o.Posted.Should().BeTrue(o.Error));
        second.Select(o => o.OdooIds).Should().BeEquivalentTo(first.Select(o => o.OdooIds), o => o.WithStrictOrdering());
        world.Emulator.Records(Lines).Should().HaveCount(4);
        world.Emulator.CreateBatchSizes(Lines).Should().HaveCount(2, "the second run found every ref in its company and created nothing");
    }

    [Fact]
    public async Task PostAsync_JsonRpcIntoTwoCompanies_AuthenticatesOnce()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(OdooOptions.JsonRpc) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };

        var outcomes = await world.Poster(options).PostAsync(
            [OdooWorld.Allocation("PRJ-1001", "03-200", 1), OdooWorld.Allocation("PRJ-1004", "03-200", 1, currency: "CAD")], CancellationToken.None);

        outcomes.Should().AllSatisfy(o => o.Posted.Should().BeTrue(o.Error));
        world.Emulator.RequestCount("common.authenticate").Should().Be(1, "the company clients share the session");
    }

    [Fact]
    public async Task PostAsync_CadWithoutCompaniesConfigured_IsRefusedNamingTheKeyToSet()
    {
        await using var world = await OdooWorld.StartAsync();
        AddCadCompany(world, out _);

        var outcomes = await world.Poster(world.Options(OdooOptions.Json2)).PostAsync(
            [OdooWorld.Allocation("PRJ-1004", "03-200", 2, currency: "CAD"), OdooWorld.Allocation("PRJ-1001", "03-200", 1)], CancellationToken.None);

        outcomes[0].Posted.Should().BeFalse();
        outcomes[0].Error.Should().Be(
            "not sent to Odoo: allocation is in CAD but Odoo company 1 keeps amounts in USD; amounts are never converted: "
            + "set Odoo:Companies:CAD to the id of the Odoo company that keeps amounts in CAD");
        outcomes[1].Posted.Should().BeTrue();
        world.Emulator.Records(Lines).Should().ContainSingle();
    }

    [Fact]
    public async Task PostAsync_CurrencyWithNoCompany_IsRefusedWhileMappedOnesPost()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };

        var outcomes = await world.Poster(options).PostAsync(
            [OdooWorld.Allocation("PRJ-1001", "03-200", 1, currency: "EUR"), OdooWorld.Allocation("PRJ-1004", "03-200", 1, currency: "CAD")], CancellationToken.None);

        outcomes[0].Posted.Should().BeFalse();
        outcomes[0].Error.Should().Contain("allocation is in EUR but Odoo company 1 keeps amounts in USD; amounts are never converted")
            .And.Contain("set Odoo:Companies:EUR");
        outcomes[1].Posted.Should().BeTrue(outcomes[1].Error);
        world.Emulator.Records(Lines).Should().ContainSingle().Which["company_id"]!.GetValue<long>().Should().Be(cad);
    }

    [Fact]
    public async Task PostAsync_CurrencyMappedToACompanyKeepingAnother_IsRefusedNamingTheKey()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = 1 } };

        var outcomes = await world.Poster(options).PostAsync([OdooWorld.Allocation("PRJ-1001", "03-200", 1, currency: "CAD")], CancellationToken.None);

        outcomes[0].Error.Should().Be(
            "not sent to Odoo: allocation is in CAD but Odoo company 1 (Odoo:Companies:CAD) keeps amounts in USD; amounts are never converted: "
            + "set Odoo:Companies:CAD to the id of the Odoo company that keeps amounts in CAD");
        world.Emulator.CreateBatchSizes(Lines).Should().BeEmpty();
    }

    [Fact]
    public async Task PostAsync_CompanyTheUserMayNotUse_FailsOnlyItsAllocations()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = world.Emulator.AddCompany("Alloc Canada", "CAD", allowAdmin: false);
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };

        var outcomes = await world.Poster(options).PostAsync(
            [OdooWorld.Allocation("PRJ-1004", "03-200", 1, currency: "CAD"), OdooWorld.Allocation("PRJ-1001", "03-200", 1)], CancellationToken.None);

        outcomes[0].Posted.Should().BeFalse();
        outcomes[0].Error.Should().StartWith("Odoo lookup before posting failed: Access to unauthorized or invalid companies.");
        outcomes[1].Posted.Should().BeTrue(outcomes[1].Error);
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task ReconcileAsync_AfterPostingUsdAndCad_IsClean(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(protocol) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };
        OdooPostingInput[] allocations =
        [
            OdooWorld.Allocation("PRJ-1001", "03-200", 2),
            OdooWorld.Allocation("PRJ-1004", "03-200", 3, day: 21, currency: "CAD"),
        ];
        await world.Poster(options).PostAsync(allocations, CancellationToken.None);

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted(allocations), s_from, s_to, CancellationToken.None);

        report.Differences.Should().BeEmpty();
        report.OdooRecords.Should().Be(5, "the lines of both companies were read");
    }

    [Fact]
    public async Task ReconcileAsync_CadLinesNotReadableWithoutTheMapping_AreMissing()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };
        OdooPostingInput[] allocations = [OdooWorld.Allocation("PRJ-1004", "03-200", 2, currency: "CAD")];
        await world.Poster(options).PostAsync(allocations, CancellationToken.None);
        var withoutCompanies = world.Options(OdooOptions.Json2);

        var report = await new OdooReconciler(world.Client(withoutCompanies), withoutCompanies).ReconcileAsync(Posted(allocations), s_from, s_to, CancellationToken.None);

        report.Differences.Should().HaveCount(2).And.OnlyContain(d => d.Kind == OdooDifferenceKind.MissingInOdoo, "company 1 does not see company 2's lines");
    }

    [Fact]
    public async Task ReconcileAsync_LineInTheWrongCompany_ReportsTheCompanyToUse()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out _);
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = cad } };
        var canadian = OdooWorld.Allocation("PRJ-1004", "03-200", 1, currency: "CAD");
        var line = canadian.Lines[0];
        world.Emulator.CreateRecord(
            Lines,
            new JsonObject
            {
                ["name"] = "posted by hand into the USD company",
                ["account_id"] = world.Projects["PRJ-1001"],
                [world.CostColumn] = world.CostCodes["03-200"],
                ["date"] = "2026-11-20",
                ["amount"] = (double)-line.Amount,
                ["unit_amount"] = 2.5,
                ["ref"] = line.LineId,
            },
            companyId: 1);

        var report = await new OdooReconciler(world.Client(options), options).ReconcileAsync(Posted([canadian]), s_from, s_to, CancellationToken.None);

        report.Differences.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = OdooDifferenceKind.FieldMismatch, LineId = line.LineId });
        report.Differences[0].Detail.Should().Contain($"in company 1, but CAD allocations belong in company {cad} (Odoo:Companies:CAD)");
    }

    [Theory]
    [InlineData(OdooOptions.Json2)]
    [InlineData(OdooOptions.JsonRpc)]
    public async Task CheckRunAsync_CadCompanyConfigured_ReportsEachCompanyAndWhereAccountsAre(string protocol)
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = AddCadCompany(world, out var cadCostCode);
        var options = world.Options(protocol) with { Companies = new Dictionary<string, long> { ["CAD"] = cad, ["USD"] = 1 } };

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001", "PRJ-1004"], ["03-200", "03-300"]);

        report.Lines.Should().AllSatisfy(l => l.Ok.Should().BeTrue(l.Text));
        report.ToString().Should().Contain("ok: company 1 My Company, amounts in USD (Odoo:CompanyId, Odoo:Companies:USD;")
            .And.Contain($"ok: company {cad} Alloc Canada, amounts in CAD (Odoo:Companies:CAD;")
            .And.Contain($"ok: analytic account for project PRJ-1004: company {cad}: [PRJ-1004] PRJ-1004 Toronto (id {world.Projects["PRJ-1004"]})")
            .And.Contain($"ok: analytic account for cost code 03-200: company 1: [03-200] Excavation (id {world.CostCodes["03-200"]}); company {cad}: [03-200] Excavation CA (id {cadCostCode})")
            .And.Contain($"ok: analytic account for cost code 03-300: company 1: [03-300] Hauling (id {world.CostCodes["03-300"]}); not visible in company {cad} (Odoo:Companies:CAD)");
    }

    [Fact]
    public async Task CheckRunAsync_CompanyKeepingAnotherCurrency_SaysWhichKeyToFix()
    {
        await using var world = await OdooWorld.StartAsync();
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = 1 } };

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001"], ["03-200"]);

        report.ExitCode.Should().Be(1);
        report.Lines.Where(l => !l.Ok).Select(l => l.Text).Should().ContainSingle().Which.Should().Be(
            "company 1 My Company keeps amounts in USD, but Odoo:Companies:CAD maps CAD to it: set Odoo:Companies:CAD to the id of the company that keeps amounts in CAD (amounts are never converted)");
    }

    [Fact]
    public async Task CheckRunAsync_CompanyMissingOrNotAllowed_SaysWhatToFix()
    {
        await using var world = await OdooWorld.StartAsync();
        var cad = world.Emulator.AddCompany("Alloc Canada", "CAD", allowAdmin: false);
        var options = world.Options(OdooOptions.Json2) with { Companies = new Dictionary<string, long> { ["CAD"] = cad, ["EUR"] = 99 } };

        var report = await new OdooCheck(world.Client(options), options).RunAsync(["PRJ-1001"], ["03-200"]);

        var fixes = report.Lines.Where(l => !l.Ok).Select(l => l.Text).ToList();
        fixes.Should().Contain($"user admin is not allowed in company {cad} (Odoo:Companies:CAD): add it under Settings > Users > admin > Allowed Companies, or fix the id")
            .And.Contain("user admin is not allowed in company 99 (Odoo:Companies:EUR): add it under Settings > Users > admin > Allowed Companies, or fix the id")
            .And.Contain($"company {cad} cannot be read (Access to unauthorized or invalid companies.): fix Odoo:Companies:CAD or the user's allowed companies")
            .And.Contain("company 99 cannot be read (Access to unauthorized or invalid companies.): fix Odoo:Companies:EUR or the user's allowed companies");
        fixes.Should().HaveCount(4);
        report.ToString().Should().Contain("ok: analytic account for project PRJ-1001: [PRJ-1001] PRJ-1001 North yard", "company 1 is still checked");
    }

    [Fact]
    public void Validate_Companies_NamesTheKeyAndTheRule()
    {
        var valid = new OdooOptions { Url = "https://erp.example.com", Database = "alloc", ApiKey = "k-0123456789", CostCodePlanId = 2 };

        ((Action)(valid with { Companies = new Dictionary<string, long> { ["CAD"] = 2, ["usd"] = 1 } }).Validate).Should().NotThrow();
        ((Action)(valid with { Companies = new Dictionary<string, long> { ["CA"] = 2 } }).Validate).Should().Throw<OdooConfigurationException>()
            .Which.Message.Should().Be("Odoo:Companies must be keyed by ISO 4217 currency codes such as CAD (got 'CA').");
        ((Action)(valid with { Companies = new Dictionary<string, long> { ["CAD"] = 0 } }).Validate).Should().Throw<OdooConfigurationException>()
            .Which.Should().BeEquivalentTo(new { Key = "Odoo:Companies:CAD", Message = "Odoo:Companies:CAD must be a positive Odoo company id (got 0)." });
        ((Action)(valid with { Companies = new Dictionary<string, long> { ["CAD"] = 2, ["cad"] = 3 } }).Validate).Should().Throw<OdooConfigurationException>()
            .Which.Key.Should().Be("Odoo:Companies:CAD");
        ((Action)(valid with { PostingMode = OdooOptions.DraftMove, ExpenseAccountId = 5, RecoveryAccountId = 6, JournalId = 3, Companies = new Dictionary<string, long> { ["CAD"] = 2 } }).Validate)
            .Should().Throw<OdooConfigurationException>().Which.Message.Should().StartWith("Odoo:Companies:CAD must be Odoo:CompanyId (1) in draft_move mode (got 2)");
        ((Action)(valid with { PostingMode = OdooOptions.DraftMove, ExpenseAccountId = 5, RecoveryAccountId = 6, JournalId = 3, Companies = new Dictionary<string, long> { ["USD"] = 1 } }).Validate)
            .Should().NotThrow();
    }

    [Fact]
    public void CompanyFor_MappedOrNot_PicksTheCompanyOfTheCurrency()
    {
        var options = new OdooOptions { CompanyId = 1, Companies = new Dictionary<string, long> { ["CAD"] = 2, ["MXN"] = 7 } };

        options.CompanyFor("CAD").Should().Be(2);
        options.CompanyFor("cad").Should().Be(2);
        options.CompanyFor("USD").Should().Be(1);
        options.CompanyFor("EUR").Should().Be(1, "unmapped currencies go to CompanyId, which refuses them unless it keeps that currency");
        options.CompanyIds.Should().Equal(1, 2, 7);
        options.ToString().Should().Contain("CompanyId = 1, Companies = { CAD=2, MXN=7 }");
        new OdooOptions().ToString().Should().Contain("Companies = (none)");
    }

    /// <summary>A CAD company with project PRJ-1004 and its own 03-200 cost-code account; returns the company id.</summary>
    private static long AddCadCompany(OdooWorld world, out long costCode)
    {
        var cad = world.Emulator.AddCompany("Alloc Canada", "CAD");
        world.Projects["PRJ-1004"] = world.Emulator.AddAnalyticAccount("PRJ-1004 Toronto", "PRJ-1004", 1, cad);
        costCode = world.Emulator.AddAnalyticAccount("Excavation CA", "03-200", world.CostPlanId, cad);
        return cad;
    }

    private static List<OdooLedgerAllocation> Posted(IEnumerable<OdooPostingInput> allocations) =>
        [.. allocations.Select(a => new OdooLedgerAllocation(a, AllocationStatus.Posted))];
}

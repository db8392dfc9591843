using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

public sealed class MasterDataSnapshotTests
{
    private static MasterDataSnapshot Snapshot(
        IEnumerable<EquipmentAlias>? aliases = null,
        IEnumerable<EquipmentAssignment>? assignments = null,
        IEnumerable<EquipmentRate>? rates = null,
        SettlementOptions? options = null) =>
        MasterDataSnapshot.Create(aliases ?? [], assignments ?? [], rates ?? [], options ?? T.Options());

    [Fact]
    public void TryResolve_CanonicalScheme_MapsToItsValue()
    {
        Snapshot().TryResolve("canonical:EX-0042", out string? id).Should().BeTrue();
        id.Should().Be("EX-0042");
    }

    [Fact]
    public void TryResolve_OtherSchemeWithAlias_MapsThroughAlias()
    {
        var snapshot = Snapshot(aliases: [new EquipmentAlias("serial", "CAT0320D5KZ", "EX-0042")]);

        snapshot.TryResolve("serial:CAT0320D5KZ", out string? id).Should().BeTrue();
        id.Should().Be("EX-0042");
    }

    [Theory]
    [InlineData("serial:UNKNOWN")]
    [InlineData("telematics:CAT0320D5KZ")]
    [InlineData("CAT0320D5KZ")]
    [InlineData("canonical:")]
    [InlineData("SERIAL:CAT0320D5KZ")]
    public void TryResolve_NoAlias_IsUnresolved(string identifier)
    {
        var snapshot = Snapshot(aliases: [new EquipmentAlias("serial", "CAT0320D5KZ", "EX-0042")]);

        snapshot.TryResolve(identifier, out string? id).Should().BeFalse();
        id.Should().BeNull();
    }

    [Fact]
    public void TryResolve_ValueContainingColon_SplitsAtFirstColon()
    {
        var snapshot = Snapshot(aliases: [new EquipmentAlias("telematics", "jd:4471", "EX-7")]);

        snapshot.TryResolve("telematics:jd:4471", out string? id).Should().BeTrue();
        id.Should().Be("EX-7");
    }

    [Fact]
    public void FindAssignment_ValidFromInclusiveValidToExclusive()
    {
        var snapshot = Snapshot(assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-11-20T06:00Z", "2026-11-20T12:00Z")]);

        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T05:45Z")).Should().BeNull();
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T06:00Z"))!.ProjectCode.Should().Be("PRJ-1");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T11:45Z"))!.ProjectCode.Should().Be("PRJ-1");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T12:00Z")).Should().BeNull();
        snapshot.FindAssignment("EX-2", T.Ms("2026-11-20T08:00Z")).Should().BeNull();
    }

    [Fact]
    public void FindAssignment_Overlapping_LatestValidFromWins()
    {
        var snapshot = Snapshot(assignments:
        [
            T.Assign("EX-1", "PRJ-2", "04-100", "2026-11-20T06:00Z", "2026-11-20T12:00Z"),
            T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"),
            T.Assign("EX-1", "PRJ-3", "05-300", "2026-11-20T07:00Z", "2026-11-20T08:00Z"),
        ]);

        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T05:00Z"))!.ProjectCode.Should().Be("PRJ-1");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T06:30Z"))!.ProjectCode.Should().Be("PRJ-2");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T07:15Z"))!.ProjectCode.Should().Be("PRJ-3");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T08:00Z"))!.ProjectCode.Should().Be("PRJ-2");
        snapshot.FindAssignment("EX-1", T.Ms("2026-11-20T12:00Z"))!.ProjectCode.Should().Be("PRJ-1");
    }

    [Fact]
    public void FindRate_LatestValidFromAtOrBefore()
    {
        var snapshot = Snapshot(rates:
        [
            T.Rate("EX-1", 100m, fromIso: "2026-01-01T00:00Z"),
            T.Rate("EX-1", 200m, fromIso: "2026-11-20T00:00Z"),
        ]);

        snapshot.FindRate("EX-1", T.Ms("2025-12-31T23:59Z")).Should().BeNull();
        snapshot.FindRate("EX-1", T.Ms("2026-11-19T23:59Z"))!.OperatingRate.Should().Be(100m);
        snapshot.FindRate("EX-1", T.Ms("2026-11-20T00:00Z"))!.OperatingRate.Should().Be(200m);
    }

    [Fact]
    public void FindRateForPeriod_UsesLocalMidnightOfTheProject()
    {
        // Berlin's 2026-11-20 starts at 2026-11-19T23:00Z, before a rate valid from UTC midnight.
        var snapshot = Snapshot(rates:
        [
            T.Rate("EX-1", 100m, fromIso: "2026-01-01T00:00Z"),
            T.Rate("EX-1", 200m, fromIso: "2026-11-20T00:00Z"),
        ]);

        snapshot.FindRateForPeriod("EX-1", "PRJ-BER", T.Day("2026-11-20"))!.OperatingRate.Should().Be(100m);
        snapshot.FindRateForPeriod("EX-1", "PRJ-1", T.Day("2026-11-20"))!.OperatingRate.Should().Be(200m);
        snapshot.FindRateForPeriod("EX-1", "PRJ-CHI", T.Day("2026-11-20"))!.OperatingRate.Should().Be(200m);
    }

    [Fact]
    public void Create_SameKeyTwice_LaterReplacesEarlier()
    {
        var snapshot = Snapshot(
            aliases: [new EquipmentAlias("serial", "S1", "EX-1"), new EquipmentAlias("serial", "S1", "EX-2")],
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"), T.Assign("EX-1", "PRJ-2", "04-100", "2026-01-01T00:00Z")],
            rates: [T.Rate("EX-1", 100m), T.Rate("EX-1", 120m)]);

        snapshot.Aliases.Should().ContainSingle().Which.EquipmentId.Should().Be("EX-2");
        snapshot.Assignments.Should().ContainSingle().Which.ProjectCode.Should().Be("PRJ-2");
        snapshot.Rates.Should().ContainSingle().Which.OperatingRate.Should().Be(120m);
    }

    [Fact]
    public void Upsert_SameRecordTwice_IsIdempotent()
    {
        var source = new InMemoryMasterDataSource(T.Options());
        EquipmentAlias alias = new("serial", "S1", "EX-1");
        EquipmentAssignment assignment = T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z");
        EquipmentRate rate = T.Rate("EX-1", 100m);

        source.Upsert(alias).Should().BeTrue();
        source.Upsert(assignment).Should().BeTrue();
        source.Upsert(rate).Should().BeTrue();
        source.Upsert(alias with { }).Should().BeFalse();
        source.Upsert(assignment with { }).Should().BeFalse();
        source.Upsert(rate with { }).Should().BeFalse();
        source.Upsert(new MasterDataBatch([alias], [assignment], [rate])).Should().Be(0);

        MasterDataSnapshot snapshot = source.Snapshot();
        snapshot.Aliases.Should().ContainSingle();
        snapshot.Assignments.Should().ContainSingle();
        snapshot.Rates.Should().ContainSingle();
    }

    [Fact]
    public void Upsert_SameKeyNewValues_Replaces()
    {
        var source = new InMemoryMasterDataSource(T.Options());
        source.Upsert(T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z"));

        source.Upsert(T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z", "2026-06-01T00:00Z")).Should().BeTrue();

        source.Snapshot().Assignments.Should().ContainSingle().Which.ValidToMs.Should().Be(T.Ms("2026-06-01T00:00Z"));
    }

    [Fact]
    public async Task LoadAsync_IsASnapshot_LaterUpsertsDoNotChangeIt()
    {
        var source = new InMemoryMasterDataSource(T.Options());
        MasterDataSnapshot before = await source.LoadAsync(CancellationToken.None);

        await source.UpsertAsync(new MasterDataBatch([new EquipmentAlias("serial", "S1", "EX-1")], [], []), CancellationToken.None);

        before.TryResolve("serial:S1", out _).Should().BeFalse();
        (await source.LoadAsync(CancellationToken.None)).TryResolve("serial:S1", out _).Should().BeTrue();
    }

    [Fact]
    public void GetProject_Configured_FillsDefaults()
    {
        var snapshot = Snapshot();

        ProjectSettings berlin = snapshot.GetProject("PRJ-BER");
        berlin.Code.Should().Be("PRJ-BER");
        berlin.Name.Should().Be("PRJ-BER");
        berlin.Currency.Should().Be("EUR");
        berlin.TimeZone.Should().Be("Europe/Berlin");
        snapshot.GetProject("PRJ-1").Name.Should().Be("Riverside");
        snapshot.GetProject("PRJ-1").Currency.Should().Be("USD");
    }

    [Fact]
    public void GetProject_Unconfigured_IsUtcInCompanyCurrency()
    {
        var snapshot = Snapshot(options: new SettlementOptions { CompanyCurrency = "CAD" });

        ProjectSettings project = snapshot.GetProject("PRJ-X");
        project.TimeZone.Should().Be("UTC");
        project.Currency.Should().Be("CAD");
        snapshot.GetCalendar("PRJ-X").Zone.Should().Be(TimeZoneInfo.Utc);
    }

    [Fact]
    public void MapCostCode_MappedAndUnmapped()
    {
        var snapshot = Snapshot(options: T.Options(new Dictionary<string, string> { ["03-200-F"] = "FIN-3200" }));

        snapshot.MapCostCode("03-200-F").Should().Be("FIN-3200");
        snapshot.MapCostCode("05-100").Should().Be("05-100");
    }

    [Theory]
    [InlineData("PRJ-9", null)]
    [InlineData(null, "77-100")]
    [InlineData("", "77-100")]
    [InlineData("PRJ-9", "")]
    public void Attribute_OneCodeWithoutTheOther_IsIgnored(string? project, string? cost)
    {
        var snapshot = Snapshot(assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")]);

        BucketAttribution a = snapshot.Attribute("canonical:EX-1", T.Ms("2026-11-20T10:00Z"), project, cost);

        a.Should().Be(new BucketAttribution(AttributionOutcome.Attributed, "EX-1", "PRJ-1", "03-200", false));
    }

    [Fact]
    public void Attribute_BothCodes_WinOverAssignmentAndAreMapped()
    {
        var snapshot = Snapshot(
            assignments: [T.Assign("EX-1", "PRJ-1", "03-200", "2026-01-01T00:00Z")],
            options: T.Options(new Dictionary<string, string> { ["77-100"] = "FIN-7710" }));

        BucketAttribution a = snapshot.Attribute("canonical:EX-1", T.Ms("2026-11-20T10:00Z"), "PRJ-9", "77-100");

        a.Should().Be(new BucketAttribution(AttributionOutcome.Attributed, "EX-1", "PRJ-9", "FIN-7710", true));
    }

    [Fact]
    public void Attribute_UnresolvedAndUnassigned()
    {
        var snapshot = Snapshot();

        snapshot.Attribute("serial:S9", T.Ms("2026-11-20T10:00Z"), null, null)
            .Should().Be(new BucketAttribution(AttributionOutcome.UnresolvedIdentifier, null, null, null, false));
        snapshot.Attribute("serial:S9", T.Ms("2026-11-20T10:00Z"), "PRJ-9", "77-100")
            .Should().Be(new BucketAttribution(AttributionOutcome.UnresolvedIdentifier, null, "PRJ-9", "77-100", true));
        snapshot.Attribute("canonical:EX-5", T.Ms("2026-11-20T10:00Z"), null, null)
            .Should().Be(new BucketAttribution(AttributionOutcome.NoAssignment, "EX-5", null, null, false));
    }
}

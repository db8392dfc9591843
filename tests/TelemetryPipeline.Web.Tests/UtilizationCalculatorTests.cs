using TelemetryPipeline.Domain;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.Web.Tests.Support;
using TelemetryPipeline.Web.Utilization;

namespace TelemetryPipeline.Web.Tests;

public sealed class UtilizationCalculatorTests
{
    private static readonly (FakeTelemetryStore Store, MasterDataSnapshot Snapshot) s_fleet = Build();

    [Fact]
    public async Task Compute_Day_ProjectTotalsFollowAttribution()
    {
        UtilizationReport report = await ComputeAsync(Fleet.Day, Fleet.Day, null);

        ProjectUsage north = report.Projects.Single(static p => p.ProjectCode == "PRJ-1001");
        // EX-0042 07–15 (8 h, 3 min idle per quarter), DZ-0007 08–12 (4 h, 6 min), explicit codes 16–17 (1 h, 2 min).
        north.Totals.OperatingMs.Should().Be(13 * Fleet.Hour);
        north.Totals.IdleMs.Should().Be(((32 * 3) + (16 * 6) + (4 * 2)) * Fleet.Minute);
        north.Name.Should().Be("North Bridge");
        // LD-0100 13–22 UTC is 07–16 in Chicago, GR-0300 14–18 UTC: both on the 20th local.
        report.Projects.Single(static p => p.ProjectCode == "PRJ-2002").Totals.OperatingMs.Should().Be(13 * Fleet.Hour);
        ProjectUsage none = report.Projects.Single(static p => p.ProjectCode is null);
        none.Totals.OperatingMs.Should().Be((2 * Fleet.Hour) + (2 * Fleet.Hour) + (15 * Fleet.Minute));
        report.Totals.OperatingMs.Should().Be(report.Projects.Sum(static p => p.Totals.OperatingMs));
    }

    [Fact]
    public async Task Compute_Day_MachineMergesAliasAndCanonicalIdentifiers()
    {
        UtilizationReport report = await ComputeAsync(Fleet.Day, Fleet.Day, null);

        MachineUsage ex = report.Machines.Single(static m => m.Machine == "EX-0042");
        ex.Identifiers.Should().Equal(Fleet.ExplicitCodes, Fleet.Aliased);
        ex.CostCodes.Should().Equal("03-200", "03-400");
        ex.Totals.OperatingMs.Should().Be(9 * Fleet.Hour);
        ex.Totals.FuelBurnMl.Should().Be((32 * 4500) + (4 * 5000));
        ex.Totals.FuelFillMl.Should().Be(200_000);
        ex.Totals.WorkingMs.Should().Be(ex.Totals.OperatingMs - ex.Totals.IdleMs);
        ex.TimelineOperatingMs.Should().HaveCount(96);
        ex.TimelineOperatingMs[28].Should().Be(15 * Fleet.Minute, "07:00 UTC is cell 28");
        ex.TimelineOperatingMs[27].Should().Be(0);
        report.Machines.Single(static m => m.Machine == Fleet.Unknown).Resolved.Should().BeFalse();
    }

    [Fact]
    public async Task Compute_Day_ListsEveryKindOfIssueWithAnAction()
    {
        UtilizationReport report = await ComputeAsync(Fleet.Day, Fleet.Day, null);

        report.Issues.Select(static i => (i.Kind, i.Subject)).Should().BeEquivalentTo(new[]
        {
            (UtilizationIssueKinds.UnknownIdentifier, Fleet.Unknown),
            (UtilizationIssueKinds.UnknownIdentifier, Fleet.Hostile),
            (UtilizationIssueKinds.NoAssignment, "CR-0500"),
            (UtilizationIssueKinds.MissingRate, "GR-0300"),
            (UtilizationIssueKinds.MeterAnomaly, "DZ-0007"),
            (UtilizationIssueKinds.MeterReset, "EX-0042"),
            (UtilizationIssueKinds.LateReading, "LD-0100"),
        });
        report.Issues.Should().OnlyContain(static i => i.Action.Length > 20);
        report.Issues.Single(static i => i.Kind == UtilizationIssueKinds.MissingRate).Quantities.OperatingMs.Should().Be(4 * Fleet.Hour);
        report.Issues.Single(static i => i.Kind == UtilizationIssueKinds.MeterAnomaly).Quantities.IdleMs.Should().Be(2 * Fleet.Hour, "the held-out delta");
    }

    [Fact]
    public async Task Compute_ProjectInChicago_TimelineInLocalTime()
    {
        UtilizationReport report = await ComputeAsync(Fleet.Day, Fleet.Day, "PRJ-2002");

        report.TimeZone.Should().Be("America/Chicago");
        report.Machines.Select(static m => m.Machine).Should().Equal("GR-0300", "LD-0100");
        MachineUsage loader = report.Machines.Single(static m => m.Machine == "LD-0100");
        int[] busy = [.. Enumerable.Range(0, loader.TimelineOperatingMs.Length).Where(i => loader.TimelineOperatingMs[i] > 0)];
        busy.First().Should().Be(28, "07:00 local");
        busy.Last().Should().Be(63, "the last quarter before 16:00 local");
        report.Issues.Select(static i => i.Kind).Should().Contain([UtilizationIssueKinds.MissingRate, UtilizationIssueKinds.LateReading]).And.NotContain(UtilizationIssueKinds.NoAssignment);
    }

    [Fact]
    public async Task Compute_Week_DaysSumToTotals()
    {
        UtilizationReport report = await ComputeAsync(Fleet.Day.AddDays(-6), Fleet.Day, null);

        report.Days.Should().HaveCount(7);
        report.Days.Sum(static d => d.Totals.OperatingMs).Should().Be(report.Totals.OperatingMs);
        report.Days.Sum(static d => d.Totals.FuelFillMl).Should().Be(7 * 200_000);
        report.Machines.Single(static m => m.Machine == "EX-0042").TimelineOperatingMs.Should().HaveCount(7 * 96);
    }

    private static async Task<UtilizationReport> ComputeAsync(DateOnly from, DateOnly to, string? project)
    {
        var buckets = new List<BucketEntry>();
        var incidents = new List<MeterIncident>();
        foreach (long day in UtilizationCalculator.UtcDaysToRead(from, to))
        {
            buckets.AddRange(await s_fleet.Store.ReadDayAsync(day, CancellationToken.None));
            incidents.AddRange(await s_fleet.Store.ReadIncidentsAsync(day, CancellationToken.None));
        }

        return UtilizationCalculator.Compute(buckets, incidents, s_fleet.Snapshot, from, to, project, DateTimeOffset.UnixEpoch);
    }

    private static (FakeTelemetryStore, MasterDataSnapshot) Build()
    {
        var store = new FakeTelemetryStore();
        var masterData = new InMemoryMasterDataSource(Fleet.SettlementOptions);
        Fleet.Populate(store, masterData);
        return (store, masterData.Snapshot());
    }
}

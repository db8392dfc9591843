using System.Text.Json.Nodes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Odoo.Tests;

public sealed class OdooPostingInputTests
{
    [Fact]
    public void FromAllocation_LedgerAllocation_UsesLineIdsHoursAndAmounts()
    {
        var rate = new AppliedRate(100m, 20m, false, 0m, "USD", 0);
        var allocation = new Allocation(new DateOnly(2026, 11, 20), "PRJ-1001", "03-200", 1, "USD", AllocationStatus.Approved,
        [
            new AllocationLine("EX-0042", 8 * 3_600_000L, 1_800_000L, 120_000, 800m, 10m, 186m, rate),
            new AllocationLine("EX-0043", 1_000L, 0, 0, 0.03m, 0m, 0m, rate),
        ]);

        var input = OdooPostingInput.FromAllocation(allocation);

        input.AllocationId.Should().Be("2026-11-20/PRJ-1001/03-200/r1");
        input.Currency.Should().Be("USD");
        input.Lines.Select(l => l.LineId).Should().Equal("2026-11-20/PRJ-1001/03-200/r1/EX-0042", "2026-11-20/PRJ-1001/03-200/r1/EX-0043");
        input.Lines[0].Hours.Should().Be(8.5m);
        input.Lines[1].Hours.Should().Be(0.000278m);
        input.Lines[0].Amount.Should().Be(996m);
        input.Amount.Should().Be(allocation.Amount);
    }
}

public sealed class AnalyticDistributionTests
{
    private static long? Plans(long id) => id switch
    {
        2 or 3 => 1,
        7 or 8 => 2,
        _ => null,
    };

    [Fact]
    public void Validate_ProjectAndCostCodeAtFullShare_Passes() =>
        AnalyticDistribution.Validate(new JsonObject { ["2,7"] = 100 }, Plans).Should().BeNull();

    [Fact]
    public void Validate_SplitThatSumsTo100_Passes() =>
        AnalyticDistribution.Validate(new JsonObject { ["2"] = 60, ["3"] = 40 }, Plans).Should().BeNull();

    [Fact]
    public void Validate_150Percent_IsRefusedAlthoughOdooAcceptsIt() =>
        AnalyticDistribution.Validate(new JsonObject { ["2"] = 100, ["3"] = 50 }, Plans).Should().Be("analytic distribution for plan 1 sums to 150 %, not 100 %");

    [Fact]
    public void Validate_UnknownAccount_IsRefusedAlthoughOdooIgnoresIt() =>
        AnalyticDistribution.Validate(new JsonObject { ["999999"] = 100 }, Plans).Should().Be("analytic account 999999 in distribution does not exist in Odoo");

    [Fact]
    public void Validate_TwoAccountsOfOnePlanInOneKey_IsRefused() =>
        AnalyticDistribution.Validate(new JsonObject { ["2,3"] = 100 }, Plans).Should().Contain("names two accounts of plan 1");

    [Fact]
    public void Validate_Empty_IsRefused() =>
        AnalyticDistribution.Validate([], Plans).Should().Be("analytic distribution is empty");
}

public sealed class OdooServerVersionTests
{
    [Theory]
    [InlineData("19.0", 19, 0)]
    [InlineData("saas~18.3", 18, 3)]
    [InlineData("17.0+e", 17, 0)]
    public void Parse_VersionStrings_ReadsMajorAndMinor(string text, int major, int minor)
    {
        var version = OdooServerVersion.Parse(text);

        version.Major.Should().Be(major);
        version.Minor.Should().Be(minor);
    }
}

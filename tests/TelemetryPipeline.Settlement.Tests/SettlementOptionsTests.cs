namespace TelemetryPipeline.Settlement.Tests;

public sealed class SettlementOptionsTests
{
    [Fact]
    public void Defaults_AreTheRulesDefaults()
    {
        var options = new SettlementOptions();

        options.Grace.Should().Be(TimeSpan.FromHours(2));
        options.Horizon.Should().Be(TimeSpan.FromDays(35));
        options.CompanyCurrency.Should().Be("USD");
        options.Projects.Should().BeEmpty();
        options.CostCodeMap.Should().BeEmpty();
        options.Invoking(o => o.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Validate_UnknownTimeZone_NamesTheKey()
    {
        var options = new SettlementOptions
        {
            Projects = new Dictionary<string, ProjectSettings> { ["PRJ-1"] = new() { TimeZone = "Mars/Base" } },
        };

        options.Invoking(o => o.Validate()).Should().Throw<InvalidOperationException>()
            .WithMessage("Settlement:Projects:PRJ-1:TimeZone 'Mars/Base' is not an IANA time zone*");
    }

    [Fact]
    public void Validate_IanaZones_AreAccepted()
    {
        var options = T.Options();

        options.GetValidationErrors().Should().BeEmpty();
    }

    [Fact]
    public void Validate_SeveralBadKeys_ListsEachKey()
    {
        var options = new SettlementOptions
        {
            Grace = TimeSpan.FromHours(-1),
            Horizon = TimeSpan.Zero,
            CompanyCurrency = "usd",
            Projects = new Dictionary<string, ProjectSettings>
            {
                ["PRJ-2"] = new() { Currency = "EURO", Code = "PRJ-3", OdooAnalyticAccountId = 0 },
            },
            CostCodeMap = new Dictionary<string, string> { ["03-200"] = "" },
        };

        IReadOnlyList<string> errors = options.GetValidationErrors();

        errors.Should().HaveCount(7);
        errors.Should().Contain(e => e.StartsWith("Settlement:Grace ", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:Horizon ", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:CompanyCurrency 'usd'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:Projects:PRJ-2:Currency 'EURO'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:Projects:PRJ-2:Code 'PRJ-3'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:Projects:PRJ-2:OdooAnalyticAccountId", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("Settlement:CostCodeMap:03-200", StringComparison.Ordinal));
    }
}

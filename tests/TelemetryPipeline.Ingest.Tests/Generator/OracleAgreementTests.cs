using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;

namespace TelemetryPipeline.Ingest.Tests.Generator;

/// <summary>The oracle is written from the rules alone; on the scenario's records it must reach the same verdicts as the Domain's normalizer.</summary>
public sealed class OracleAgreementTests
{
    [Fact]
    public void Apply_ScenarioRecords_RejectsExactlyWhatTheNormalizerRejects()
    {
        var options = new ScenarioOptions { End = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), MalformedCount = 26 };
        var scenario = new FleetScenario(options, new FakeTelemetryEncoder());
        var oracle = new ExpectedTotals(scenario.NowMs);
        var disagreements = new List<string>();
        int compared = 0;

        foreach (var record in scenario.Generate())
        {
            var outcome = oracle.Apply(record);
            if (record.Record is not TelemetryEvent ev)
            {
                continue;
            }

            compared++;
            bool accepted = TelemetryNormalizer.TryNormalize(ev, scenario.NowMs, NormalizationRules.Default, out var normalized, out var rejection);
            string? normalizerReason = accepted ? null : rejection.Reason;
            string? oracleReason = outcome.Kind == ExpectedOutcomeKind.Rejected ? outcome.Reason : null;
            if (normalizerReason != oracleReason)
            {
                disagreements.Add($"{ev}: normalizer {normalizerReason ?? "accepts"}, oracle {oracleReason ?? "accepts"}");
            }
            else if (accepted && normalized.Identifier != ev.Equipment.Key)
            {
                disagreements.Add($"{ev}: identifier {normalized.Identifier}");
            }
        }

        disagreements.Should().BeEmpty();
        compared.Should().BeGreaterThan(9000);
    }
}

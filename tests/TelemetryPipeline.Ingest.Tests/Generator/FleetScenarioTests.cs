using System.Security.Cryptography;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;

namespace TelemetryPipeline.Ingest.Tests.Generator;

public sealed class FleetScenarioTests
{
    private static readonly DateTimeOffset s_end = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly ScenarioOptions s_default = new() { End = s_end };
    private static readonly Lazy<(FleetScenario Scenario, List<GeneratedRecord> Records)> s_week = new(() =>
    {
        var scenario = new FleetScenario(s_default, new FakeTelemetryEncoder());
        return (scenario, scenario.Generate().ToList());
    });

    private static FleetScenario Scenario => s_week.Value.Scenario;

    private static List<GeneratedRecord> Records => s_week.Value.Records;

    private static IEnumerable<TelemetryEvent> ValidTelemetry =>
        Records.Where(r => r.IsTelemetry && r.ExpectedRejection is null).Select(r => (TelemetryEvent)r.Record!);

    [Fact]
    public void Generate_SameOptions_SameRecordsByteForByte()
    {
        var again = new FleetScenario(s_default, new FakeTelemetryEncoder()).Generate().ToList();

        Digest(again).Should().Be(Digest(Records));
        Digest(Scenario.Generate()).Should().Be(Digest(Records), "every enumeration yields the same records");
    }

    [Fact]
    public void Generate_OtherSeed_OtherRecords()
    {
        var other = new FleetScenario(s_default with { Seed = 7 }, new FakeTelemetryEncoder()).Generate();

        Digest(other).Should().NotBe(Digest(Records));
    }

    [Fact]
    public void Generate_Default_OracleAgreesWithEveryLabel()
    {
        var oracle = new ExpectedTotals(Scenario.NowMs);
        var disagreements = new List<string>();
        foreach (var record in Records)
        {
            var outcome = oracle.Apply(record);
            var expected = record.ExpectedRejection is { } reason
                ? new ExpectedOutcome(ExpectedOutcomeKind.Rejected, reason)
                : record.IsTelemetry
                    ? new ExpectedOutcome(record.IsDuplicate ? ExpectedOutcomeKind.Duplicate : ExpectedOutcomeKind.Applied)
                    : new ExpectedOutcome(ExpectedOutcomeKind.MasterData);
            if (outcome with { Store = null } != expected)
            {
                disagreements.Add($"{record.Topic} {record.Key} {record.Malformed}: {outcome} vs {expected}");
            }
        }

        disagreements.Should().BeEmpty();
        oracle.RejectedCount.Should().Be(s_default.MalformedCount);
    }

    [Fact]
    public void Generate_Default_InjectsEachMalformedKindOnce()
    {
        var malformed = Records.Where(r => r.Malformed != MalformedKind.None).ToList();

        malformed.Select(r => r.Malformed).Should().OnlyHaveUniqueItems().And.HaveCount(13);
        malformed.Should().OnlyContain(r => r.ExpectedRejection != null && !r.IsDuplicate && r.IsTelemetry);
        malformed.Where(r => r.Record is null).Select(r => r.Malformed).Order().Should().Equal(
            MalformedKind.RandomBytes, MalformedKind.WrongMagic, MalformedKind.UnknownFingerprint, MalformedKind.UnknownSchemaId, MalformedKind.TruncatedAvro);
        Records.Single(r => r.Malformed == MalformedKind.WrongMagic).Value[..2].Should().Equal(0xC3, 0x02);
        Records.Single(r => r.Malformed == MalformedKind.UnknownSchemaId).Value[..5].Should().Equal(0, 0, 0, 0x03, 0xE7);
        Records.Single(r => r.Malformed == MalformedKind.TruncatedAvro).Value.Should().HaveCount(13);
        Records.Single(r => r.Malformed == MalformedKind.RandomBytes).Value[0].Should().NotBe(0).And.NotBe(0xC3);
    }

    [Fact]
    public void Generate_Default_ResendsAboutTheDuplicateShareWithIdenticalBytes()
    {
        var originals = Records.Where(r => r.IsTelemetry && !r.IsDuplicate && r.ExpectedRejection is null).ToList();
        var duplicates = Records.Where(r => r.IsDuplicate).ToList();

        ((double)duplicates.Count / originals.Count).Should().BeInRange(0.08, 0.12);
        var firstByKey = new Dictionary<(GeneratedTopic, string), int>();
        for (var i = 0; i < Records.Count; i++)
        {
            var r = Records[i];
            if (r.IsTelemetry && r.Record is TelemetryEvent ev && !r.IsDuplicate)
            {
                firstByKey.TryAdd((r.Topic, ev.Source + "/" + ev.EventId), i);
            }
        }

        for (var i = 0; i < Records.Count; i++)
        {
            var r = Records[i];
            if (!r.IsDuplicate)
            {
                continue;
            }

            var ev = (TelemetryEvent)r.Record!;
            int original = firstByKey[(r.Topic, ev.Source + "/" + ev.EventId)];
            original.Should().BeLessThan(i);
            r.Value.Should().BeSameAs(Records[original].Value);
            r.Key.Should().Be(Records[original].Key);
        }
    }

    [Fact]
    public void Generate_Default_ValidTelemetryIsInsideTheWindowAndKeyedByIdentifierAsSent()
    {
        foreach (var r in Records.Where(r => r.IsTelemetry && r.ExpectedRejection is null))
        {
            var ev = (TelemetryEvent)r.Record!;
            ev.EventTimeMs.Should().BeGreaterThanOrEqualTo(Scenario.StartMs).And.BeLessThan(Scenario.EndMs);
            r.Key.Should().Be(ev.Equipment.Key);
            r.Topic.Should().Be(ev switch
            {
                EquipmentUsage => GeneratedTopic.Usage,
                EquipmentIdle => GeneratedTopic.Idle,
                _ => GeneratedTopic.Fuel,
            });
        }
    }

    [Fact]
    public void Generate_Default_MeterIncidentsAreExactlyThePlannedOnesPlusLateReadings()
    {
        var oracle = ExpectedTotals.Compute(Records, Scenario.NowMs);
        int lateMeterReadings = Records.Count(r => r.IsLate && r.Record is EquipmentUsage { CumulativeOperatingHours: not null }
            or EquipmentIdle { CumulativeIdleHours: not null } or FuelEvent { CumulativeFuelUsedLiters: not null, Kind: FuelKind.Burn });

        oracle.Incidents.Count(i => i.Kind == EventOutcome.Reset).Should().Be(s_default.MeterResets);
        oracle.Incidents.Where(i => i.Kind == EventOutcome.Reset).Select(i => i.Measure).Should().BeEquivalentTo([Measure.OperatingMs, Measure.FuelBurnMl]);
        oracle.Incidents.Count(i => i.Kind == EventOutcome.Anomaly).Should().Be(s_default.MeterAnomalies, "rounding of readings never makes a delta exceed its elapsed time");
        oracle.Incidents.Count(i => i.Kind == EventOutcome.LateReading).Should().Be(lateMeterReadings);
        lateMeterReadings.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Generate_Default_HasEveryReportingShape()
    {
        var valid = ValidTelemetry.ToList();

        valid.OfType<EquipmentUsage>().Should().Contain(u => u.CumulativeOperatingHours != null)
            .And.Contain(u => u.OperatingHours != null && u.IntervalStartMs != null)
            .And.Contain(u => u.OperatingHours != null && u.IntervalStartMs == null)
            .And.Contain(u => u.ProjectCode != null && u.CostCode != null)
            .And.Contain(u => u.ProjectCode != null && u.CostCode == null)
            .And.Contain(u => u.DistanceKm != null);
        valid.OfType<EquipmentIdle>().Should().Contain(i => i.CumulativeIdleHours != null).And.Contain(i => i.IdleHours != null);
        var fuel = valid.OfType<FuelEvent>().ToList();
        fuel.Should().Contain(f => f.Kind == FuelKind.Fill && f.TotalCost != null && f.Currency != null)
            .And.Contain(f => f.Kind == FuelKind.Burn && f.CumulativeFuelUsedLiters != null)
            .And.Contain(f => f.Kind == FuelKind.Burn && f.Unit == FuelUnit.UsGallon)
            .And.Contain(f => f.Kind == FuelKind.Burn && f.Unit == FuelUnit.Liter && f.CumulativeFuelUsedLiters == null);
        valid.Select(e => e.Equipment.Scheme).Distinct().Should().BeEquivalentTo(["canonical", "serial", "telematics", "rental"]);
        Records.Select(r => r.Format).Distinct().Order().Should().Equal(Enum.GetValues<WireFormat>());
        Records.Where(r => r.Format is WireFormat.UsageV1Confluent or WireFormat.UsageV1SingleObject)
            .Should().OnlyContain(r => r.Record is EquipmentUsage && ((EquipmentUsage)r.Record).DistanceKm == null);
        Records.Should().Contain(r => r.IsLate).And.Contain(r => r.IsDuplicate);
    }

    [Fact]
    public void Generate_Default_DeltasStayWithinTheirIntervalsAndIdleWithinOperating()
    {
        foreach (var ev in ValidTelemetry)
        {
            switch (ev)
            {
                case EquipmentUsage { OperatingHours: { } h, IntervalStartMs: { } s } u:
                    (h * 3_600_000).Should().BeLessThanOrEqualTo(u.EventTimeMs - s);
                    break;
                case EquipmentIdle { IdleHours: { } h, IntervalStartMs: { } s } i:
                    (h * 3_600_000).Should().BeLessThanOrEqualTo(i.EventTimeMs - s);
                    break;
                case FuelEvent f:
                    f.Quantity.Should().BeGreaterThan(0).And.BeLessThan(2000);
                    break;
            }
        }

        var oracle = ExpectedTotals.Compute(Records, Scenario.NowMs);
        var disturbed = oracle.Incidents.Where(i => i.Kind != EventOutcome.LateReading).Select(i => i.Identifier).ToHashSet();
        foreach (var id in ValidTelemetry.Select(e => e.Equipment.Key).Distinct().Where(k => !disturbed.Contains(k)))
        {
            oracle.Total(id, Measure.IdleMs).Should().BeLessThanOrEqualTo(oracle.Total(id, Measure.OperatingMs), id);
        }

        oracle.Total(Measure.OperatingMs).Should().BeGreaterThan(0);
        oracle.Total(Measure.FuelBurnMl).Should().BeGreaterThan(0);
        oracle.Total(Measure.FuelFillMl).Should().BeGreaterThan(0);
    }

    [Fact]
    public void Generate_Default_MasterDataComesFirstAndCoversTheRoles()
    {
        var master = Records.Where(r => !r.IsTelemetry).ToList();
        int firstTelemetry = Records.FindIndex(r => r.IsTelemetry);
        Records.Take(firstTelemetry).Should().OnlyContain(r => !r.IsTelemetry);
        master.Count(r => Records.IndexOf(r) > firstTelemetry).Should().Be(3, "the late alias and the mover's two assignment records arrive mid-window");

        Scenario.Machines.Should().HaveCount(50);
        Scenario.Projects.Select(p => p.Code).Should().Equal("PRJ-1001", "PRJ-1002", "PRJ-1003", "PRJ-1004", "PRJ-1005");
        Scenario.UnresolvedIdentifiers.Should().HaveCount(2);
        Scenario.Aliases.Select(a => a.Scheme + ":" + a.Value).Should().NotIntersectWith(Scenario.UnresolvedIdentifiers);
        Scenario.Aliases.Should().HaveCount(Scenario.Machines.Count(m => m.Identifier.Scheme != "canonical") - 2);
        Scenario.Assignments.Should().NotContain(a => a.EquipmentId == Scenario.UnassignedEquipmentId);
        Scenario.Rates.Should().NotContain(r => r.EquipmentId == Scenario.UnratedEquipmentId);
        Scenario.Assignments.Where(a => a.EquipmentId == Scenario.MovingEquipmentId).Select(a => a.ProjectCode)
            .Should().Equal("PRJ-1001", "PRJ-1002");
        Scenario.Rates.Count(r => r.EquipmentId == Scenario.RateChangeEquipmentId).Should().Be(2);
        Scenario.Rates.Should().Contain(r => r.FuelIncluded).And.Contain(r => r.Ownership == Ownership.Rented).And.Contain(r => r.Ownership == Ownership.Owned);
        var mismatch = Scenario.Rates.Single(r => r.EquipmentId == Scenario.CurrencyMismatchEquipmentId);
        var project = Scenario.Projects.Single(p => p.Code == Scenario.Machines.Single(m => m.EquipmentId == mismatch.EquipmentId).ProjectCode);
        mismatch.Currency.Should().NotBe(project.Currency);
        Scenario.Rates.Where(r => r.EquipmentId != mismatch.EquipmentId).Should().OnlyContain(r =>
            r.Currency == Scenario.Projects.Single(p => p.Code == (Scenario.Machines.Single(m => m.EquipmentId == r.EquipmentId).ProjectCode ?? "PRJ-1001")).Currency
            || Scenario.Machines.Single(m => m.EquipmentId == r.EquipmentId).ProjectCode == null);
        master.Where(r => r.Topic == GeneratedTopic.Aliases).Should().OnlyContain(r => r.Key == ((EquipmentAlias)r.Record!).Scheme + ":" + ((EquipmentAlias)r.Record!).Value);
        master.Where(r => r.Topic == GeneratedTopic.Assignments).Should().OnlyContain(r => r.Key == FleetScenario.AssignmentKey((EquipmentAssignment)r.Record!));
        master.Where(r => r.Topic == GeneratedTopic.Rates).Should().OnlyContain(r => r.Key == FleetScenario.RateKey((EquipmentRate)r.Record!));
    }

    [Fact]
    public void Generate_UnresolvedAndUnassignedMachines_StillReportTelemetry()
    {
        var keys = ValidTelemetry.Select(e => e.Equipment.Key).ToHashSet();
        var unassigned = Scenario.Machines.Single(m => m.EquipmentId == Scenario.UnassignedEquipmentId);

        keys.Should().Contain(Scenario.UnresolvedIdentifiers);
        keys.Should().Contain(unassigned.Identifier.Key);
    }

    [Fact]
    public void Generate_TargetEvents_ScalesTheFleet()
    {
        var options = s_default with { TargetEvents = 100_000 };
        var scenario = new FleetScenario(options, new FakeTelemetryEncoder());

        long telemetry = scenario.Generate().LongCount(r => r.IsTelemetry);

        scenario.Machines.Count.Should().BeGreaterThan(50);
        ((double)telemetry).Should().BeInRange(75_000, 125_000);
    }

    [Fact]
    public void Generate_NoShares_YieldsNoDuplicatesLateOrMalformedRecords()
    {
        var options = s_default with
        {
            DuplicateShare = 0, LateShare = 0, OutOfOrderShare = 0, MalformedCount = 0, MeterResets = 0, MeterAnomalies = 0, Machines = 20,
        };
        var records = new FleetScenario(options, new FakeTelemetryEncoder()).Generate().ToList();
        var oracle = ExpectedTotals.Compute(records, options.NowMs);

        records.Should().NotContain(r => r.IsDuplicate || r.IsLate || r.ExpectedRejection != null);
        oracle.Incidents.Should().BeEmpty();
        oracle.Duplicates.Should().Be(0);
    }

    [Theory]
    [InlineData(nameof(ScenarioOptions.Days), "Generator:Days")]
    [InlineData(nameof(ScenarioOptions.DuplicateShare), "Generator:DuplicateShare")]
    [InlineData(nameof(ScenarioOptions.Machines), "Generator:Machines")]
    [InlineData(nameof(ScenarioOptions.Now), "Generator:Now")]
    public void Validate_OutOfRange_NamesTheKey(string option, string key)
    {
        var options = option switch
        {
            nameof(ScenarioOptions.Days) => s_default with { Days = 40 },
            nameof(ScenarioOptions.DuplicateShare) => s_default with { DuplicateShare = 1.5 },
            nameof(ScenarioOptions.Machines) => s_default with { Machines = 0 },
            _ => s_default with { Now = s_end.AddDays(-1) },
        };

        var act = () => new FleetScenario(options, new FakeTelemetryEncoder());

        act.Should().Throw<ArgumentException>().WithMessage($"*{key}*");
    }

    private static string Digest(IEnumerable<GeneratedRecord> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in records)
        {
            hash.AppendData([(byte)r.Topic, r.IsDuplicate ? (byte)1 : (byte)0]);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(r.Key));
            hash.AppendData(r.Value);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}

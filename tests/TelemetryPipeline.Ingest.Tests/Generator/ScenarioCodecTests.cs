using TelemetryPipeline.Domain;
using TelemetryPipeline.Generator;

namespace TelemetryPipeline.Ingest.Tests.Generator;

/// <summary>The scenario through the pipeline's real Avro codec: every record decodes back to its logical record, and bad ones are rejected as labelled.</summary>
public sealed class ScenarioCodecTests
{
    [Fact]
    public void Generate_WithCodec_EveryDecodableRecordRoundTrips()
    {
        var encoder = new CodecTelemetryEncoder();
        var options = new ScenarioOptions { End = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), Machines = 20, Days = 3 };
        var problems = new List<string>();
        int checkedRecords = 0;

        foreach (var record in new FleetScenario(options, encoder).Generate())
        {
            checkedRecords++;
            if (record.IsTelemetry)
            {
                bool ok = encoder.Codec.TryDecodeTelemetry(record.Value, out var decoded, out var rejection);
                if (record.Record is null)
                {
                    if (ok || rejection.Reason != record.ExpectedRejection)
                    {
                        problems.Add($"{record.Malformed}: decoded={ok} reason={rejection.Reason}");
                    }
                }
                else if (!ok || !decoded!.Equals(record.Record))
                {
                    problems.Add($"{record.Format} {record.Key}: {(ok ? decoded : rejection)} != {record.Record}");
                }
            }
            else if (!encoder.Codec.TryDecodeMasterData(record.Value, out var master, out var rejection) || !master.Equals(record.Record))
            {
                problems.Add($"{record.Topic} {record.Key}: {master ?? rejection} != {record.Record}");
            }
        }

        problems.Should().BeEmpty();
        checkedRecords.Should().BeGreaterThan(1000);
    }

    [Fact]
    public void Map_FeedsTheCodecsConfluentIds()
    {
        var codec = new CodecTelemetryEncoder().Codec;
        var usage = new EquipmentUsage
        {
            EventId = "e1", Source = "fieldapp", Equipment = new EquipmentRef("canonical", "EX-0001"), EventTimeMs = 1, OperatingHours = 0.5,
        };

        byte[] v1 = new CodecTelemetryEncoder().EncodeUsageV1Confluent(GeneratorSchemaIds.EquipmentUsageV1, usage);

        v1[..5].Should().Equal(0, 0, 0, 0, GeneratorSchemaIds.EquipmentUsageV1);
        codec.TryDecodeTelemetry(v1, out var decoded, out _).Should().BeTrue();
        decoded.Should().Be(usage);
        GeneratorSchemaIds.Map.Should().HaveCount(7);
    }
}

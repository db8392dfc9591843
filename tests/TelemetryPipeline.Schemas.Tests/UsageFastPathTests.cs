using System.Text.RegularExpressions;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas.Tests;

/// <summary>The resolved EquipmentUsage fast path must agree with the generic path on every input.</summary>
public partial class UsageFastPathTests
{
    private readonly TelemetryCodec _codec = TelemetryCodec.CreateDefault(new Dictionary<int, string> { [1] = "EquipmentUsage", [7] = "EquipmentUsage.v1" });

    [Fact]
    public void HasUsageFastPath_CurrentAndV1_AreCompiled()
    {
        _codec.HasUsageFastPath("EquipmentUsage").Should().BeTrue();
        _codec.HasUsageFastPath("EquipmentUsage.v1").Should().BeTrue();
        _codec.HasUsageFastPath("EquipmentIdle").Should().BeFalse();
    }

    [Fact]
    public void TryDecodeTelemetry_UsageSamples_FastPathEqualsGeneric()
    {
        foreach (var payload in Payloads())
        {
            _codec.TryDecodeTelemetry(payload, out var fast, out var fastRejection).Should().BeTrue(fastRejection.ToString());
            _codec.TryDecode(payload, out var generic, out _).Should().BeTrue();
            fast.Should().Be(generic);
        }
    }

    [Fact]
    public void TryDecodeTelemetry_MutatedUsage_FastPathAgreesWithGenericOnOutcomeValueAndOffset()
    {
        var corpus = Payloads().ToArray();
        var random = new Random(7);
        var disagreements = new List<string>();

        for (var i = 0; i < 30_000 && disagreements.Count < 5; i++)
        {
            var payload = (byte[])corpus[random.Next(corpus.Length)].Clone();
            switch (random.Next(3))
            {
                case 0:
                    payload = payload[..random.Next(payload.Length)];
                    break;
                case 1:
                    payload[10 + random.Next(payload.Length - 10)] = (byte)random.Next(256);
                    break;
                default:
                    payload[10 + random.Next(payload.Length - 10)] ^= (byte)(1 << random.Next(8));
                    break;
            }

            var fastOk = _codec.TryDecodeTelemetry(payload, out var fast, out var fastRejection);
            var genericOk = _codec.TryDecode(payload, out var generic, out var genericRejection);
            if (fastOk != genericOk || (fastOk && !fast!.Equals(generic)))
            {
                disagreements.Add($"{Convert.ToHexString(payload)}: fast {fastOk} {fast} {fastRejection} / generic {genericOk} {generic} {genericRejection}");
            }
            else if (!fastOk && (fastRejection.Reason != genericRejection.Reason || Offset(fastRejection) != Offset(genericRejection)))
            {
                disagreements.Add($"{Convert.ToHexString(payload)}: fast {fastRejection} / generic {genericRejection}");
            }
        }

        disagreements.Should().BeEmpty();
    }

    [Fact]
    public void TryDecodeTelemetry_TruncatedUsage_NamesFieldAndOffset()
    {
        var payload = _codec.EncodeSingleObject(Samples.Usage);

        _codec.TryDecodeTelemetry(payload.AsSpan(0, payload.Length - 3), out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.Undecodable);
        rejection.Detail.Should().Contain("distanceKm").And.Contain($"byte offset {payload.Length - 8}");
    }

    [Fact]
    public void TryDecodeTelemetry_RepeatedSources_ReuseStrings()
    {
        var a = Decode(_codec.EncodeSingleObject(Samples.Usage with { EventId = "a" }));
        var b = Decode(_codec.EncodeSingleObject(Samples.Usage with { EventId = "b" }));

        ReferenceEquals(a.Source, b.Source).Should().BeTrue();
        ReferenceEquals(a.Equipment.Value, b.Equipment.Value).Should().BeTrue();
        ReferenceEquals(a.EventId, b.EventId).Should().BeFalse();
    }

    private EquipmentUsage Decode(byte[] payload)
    {
        _codec.TryDecodeTelemetry(payload, out var value, out var rejection).Should().BeTrue(rejection.ToString());
        return (EquipmentUsage)value!;
    }

    private IEnumerable<byte[]> Payloads()
    {
        foreach (var usage in new[] { Samples.Usage, Samples.MinimalUsage, Samples.Usage with { SiteId = "", OperatingHours = double.NaN, DistanceKm = -0.0 } })
        {
            yield return _codec.EncodeSingleObject(usage);
            yield return _codec.EncodeUsageV1SingleObject(usage);
            yield return _codec.EncodeConfluent(1, usage);
            yield return _codec.EncodeConfluent(7, usage);
        }
    }

    private static string Offset(Rejection rejection) => OffsetPattern().Match(rejection.Detail).Value;

    [GeneratedRegex("byte offset \\d+")]
    private static partial Regex OffsetPattern();
}

using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas.Tests;

public class TelemetryCodecFuzzTests
{
    [Fact]
    public void TryDecode_MutatedAndTruncatedPayloads_NeverThrowAndRejectWithReason()
    {
        var codec = TelemetryCodec.CreateDefault(new Dictionary<int, string> { [1] = "EquipmentUsage", [7] = "EquipmentUsage.v1", [3] = "FuelEvent" });
        var corpus = Samples.All.Select(codec.EncodeSingleObject)
            .Append(codec.EncodeUsageV1SingleObject(Samples.Usage))
            .Append(codec.EncodeConfluent(1, Samples.Usage))
            .Append(codec.EncodeConfluent(7, Samples.MinimalUsage))
            .Append(codec.EncodeConfluent(3, Samples.Fuel))
            .ToArray();
        var random = new Random(42);
        var decoded = 0;
        var reasons = new Dictionary<string, int>();
        const int Iterations = 100_000;

        for (var i = 0; i < Iterations; i++)
        {
            var payload = Mutate(corpus[random.Next(corpus.Length)], random);
            bool ok;
            Rejection rejection;
            if (i % 3 == 0)
            {
                ok = codec.TryDecodeTelemetry(payload, out var telemetry, out rejection);
                if (ok != telemetry is not null)
                {
                    Assert.Fail("value and result disagree");
                }
            }
            else
            {
                ok = codec.TryDecode(payload, out _, out rejection);
            }

            if (ok)
            {
                decoded++;
            }
            else
            {
                if (string.IsNullOrEmpty(rejection.Detail))
                {
                    Assert.Fail($"rejection without detail for {Convert.ToHexString(payload)}");
                }

                reasons[rejection.Reason] = reasons.GetValueOrDefault(rejection.Reason) + 1;
            }
        }

        reasons.Keys.Should().BeSubsetOf([RejectionReasons.Undecodable, RejectionReasons.UnknownSchema]);
        reasons.Should().ContainKey(RejectionReasons.Undecodable).And.ContainKey(RejectionReasons.UnknownSchema);
        decoded.Should().BeGreaterThan(Iterations / 100);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2:
                // Mostly the datum, sometimes the header.
                var position = random.Next(4) == 0 ? random.Next(Math.Min(10, bytes.Length)) : random.Next(bytes.Length);
                bytes[position] = (byte)random.Next(256);
                return bytes;
            case 3:
                var extended = new byte[bytes.Length + 1 + random.Next(4)];
                bytes.CopyTo(extended, 0);
                random.NextBytes(extended.AsSpan(bytes.Length));
                return extended;
            default:
                var cut = random.Next(bytes.Length);
                return [.. bytes[..cut], 0xFE, 0xFF, 0xFF, 0xFF, 0x0F, .. bytes[cut..]];
        }
    }
}

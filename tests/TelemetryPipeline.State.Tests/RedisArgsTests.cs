using System.Text;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State.Tests;

public sealed class RedisArgsTests
{
    [Fact]
    public void Add_MixedValues_EncodesRespBulkStrings()
    {
        using var args = new RedisArgs(16);

        args.Add("key").Add(-42L).Add([0, 1, 2]).Add("é");

        args.Count.Should().Be(4);
        Encoding.Latin1.GetString(args.Encoded).Should().Be(
            "$3\r\nkey\r\n$3\r\n-42\r\n$3\r\n\0\u0001\u0002\r\n$2\r\n\u00C3\u00A9\r\n");
    }

    [Fact]
    public void Add_ValuesAcrossDigitBoundaries_EncodesExactLengths()
    {
        using var args = new RedisArgs(16);
        string nine = new('a', 9);
        string ten = new('b', 10);
        string thousand = new('c', 1000);

        args.Add(nine).Add(ten).Add(thousand).Add(string.Empty);

        string encoded = Encoding.ASCII.GetString(args.Encoded);
        encoded.Should().Be($"$9\r\n{nine}\r\n$10\r\n{ten}\r\n$1000\r\n{thousand}\r\n$0\r\n\r\n");
        args.EncodedLength.Should().Be(encoded.Length);
    }

    [Fact]
    public void Add_ManyValues_GrowsBuffer()
    {
        using var args = new RedisArgs(64);
        for (int i = 0; i < 10_000; i++)
        {
            args.Add(i);
        }

        args.Count.Should().Be(10_000);
        Encoding.ASCII.GetString(args.Encoded).Should().EndWith("$4\r\n9999\r\n");
    }

    [Fact]
    public void Add_AfterDispose_Throws()
    {
        var args = new RedisArgs();
        args.Dispose();

        args.Invoking(a => a.Add("x")).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Sha1_KnownScript_MatchesRedis()
    {
        // redis-cli SCRIPT LOAD "return 1"
        new RedisScript("return 1").Sha1.Should().Be("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    }
}

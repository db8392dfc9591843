using System.Text;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.State.Tests;

public sealed class RespReaderTests
{
    [Fact]
    public void TryReadValue_SimpleString_ReturnsText()
    {
        RedisValue value = ReadOne("+OK\r\n");

        value.Kind.Should().Be(RedisValueKind.SimpleString);
        value.AsString().Should().Be("OK");
    }

    [Fact]
    public void TryReadValue_EmptySimpleString_ReturnsEmpty()
    {
        ReadOne("+\r\n").AsString().Should().BeEmpty();
    }

    [Fact]
    public void TryReadValue_Error_ReturnsErrorValueThatThrowsServerException()
    {
        RedisValue value = ReadOne("-NOSCRIPT No matching script. Please use EVAL.\r\n");

        value.IsError.Should().BeTrue();
        value.Invoking(v => v.ThrowIfError()).Should().Throw<RedisServerException>()
            .Which.ErrorCode.Should().Be("NOSCRIPT");
    }

    [Theory]
    [InlineData(":0\r\n", 0L)]
    [InlineData(":1000\r\n", 1000L)]
    [InlineData(":-42\r\n", -42L)]
    [InlineData(":9223372036854775807\r\n", long.MaxValue)]
    [InlineData(":-9223372036854775808\r\n", long.MinValue)]
    public void TryReadValue_Integer_ReturnsValue(string wire, long expected)
    {
        RedisValue value = ReadOne(wire);

        value.Kind.Should().Be(RedisValueKind.Integer);
        value.AsInt64().Should().Be(expected);
    }

    [Fact]
    public void TryReadValue_BulkString_IsBinarySafe()
    {
        byte[] wire = [.. "$6\r\n"u8, 0, (byte)'\r', (byte)'\n', 0xFF, (byte)'a', 0, .. "\r\n"u8];

        RedisValue value = ReadOne(wire);

        value.Kind.Should().Be(RedisValueKind.BulkString);
        value.ToBytes().Should().Equal(0, (byte)'\r', (byte)'\n', 0xFF, (byte)'a', 0);
    }

    [Fact]
    public void TryReadValue_EmptyBulkString_IsEmptyNotNull()
    {
        RedisValue value = ReadOne("$0\r\n\r\n");

        value.IsNull.Should().BeFalse();
        value.AsString().Should().BeEmpty();
    }

    [Fact]
    public void TryReadValue_NullBulkString_IsNull()
    {
        ReadOne("$-1\r\n").IsNull.Should().BeTrue();
    }

    [Fact]
    public void TryReadValue_NullArray_IsNull()
    {
        ReadOne("*-1\r\n").IsNull.Should().BeTrue();
    }

    [Fact]
    public void TryReadValue_EmptyArray_HasNoItems()
    {
        RedisValue value = ReadOne("*0\r\n");

        value.Kind.Should().Be(RedisValueKind.Array);
        value.Items.Length.Should().Be(0);
    }

    [Fact]
    public void TryReadValue_NestedArraysWithNullsAndErrors_KeepsStructure()
    {
        const string Wire = "*5\r\n:1\r\n*3\r\n$3\r\nfoo\r\n$-1\r\n*2\r\n+a\r\n*-1\r\n*0\r\n-ERR inner\r\n$-1\r\n";

        RedisValue value = ReadOne(Wire);

        RedisValue expected = RedisValue.Array([
            RedisValue.Integer(1),
            RedisValue.Array([
                RedisValue.BulkString("foo"),
                RedisValue.Null,
                RedisValue.Array([RedisValue.SimpleString("a"u8.ToArray()), RedisValue.Null]),
            ]),
            RedisValue.Array([]),
            RedisValue.Error("ERR inner"u8.ToArray()),
            RedisValue.Null,
        ]);
        value.Should().Be(expected);
        value.Items[1].Items[2].Items[1].IsNull.Should().BeTrue();
        value.Items[3].IsError.Should().BeTrue();
    }

    [Fact]
    public void TryReadValue_EveryTruncation_ReturnsFalseAndConsumesNothing()
    {
        byte[] wire = Encoding.ASCII.GetBytes("*3\r\n$5\r\nhello\r\n*2\r\n:-7\r\n$-1\r\n+done\r\n");

        for (int length = 0; length < wire.Length; length++)
        {
            var reader = new RespReader(wire.AsSpan(0, length));
            reader.TryReadValue(out _).Should().BeFalse($"{length} of {wire.Length} bytes are not a whole reply");
            reader.Consumed.Should().Be(0);
            reader.RequiredLength.Should().BeGreaterThan(length).And.BeLessThanOrEqualTo(wire.Length);
        }

        var whole = new RespReader(wire);
        whole.TryReadValue(out RedisValue value).Should().BeTrue();
        whole.Consumed.Should().Be(wire.Length);
        value.Items.Length.Should().Be(3);
    }

    [Fact]
    public void TryReadValue_BackToBackReplies_ReadsEachAndStopsAtPartial()
    {
        byte[] wire = Encoding.ASCII.GetBytes("+PONG\r\n:5\r\n$3\r\nabc\r\n$10\r\nabc");
        var reader = new RespReader(wire);

        reader.TryReadValue(out RedisValue first).Should().BeTrue();
        reader.TryReadValue(out RedisValue second).Should().BeTrue();
        reader.TryReadValue(out RedisValue third).Should().BeTrue();
        reader.TryReadValue(out _).Should().BeFalse();

        first.AsString().Should().Be("PONG");
        second.AsInt64().Should().Be(5);
        third.AsString().Should().Be("abc");
        reader.Consumed.Should().Be(wire.Length - "$10\r\nabc".Length);
        reader.RequiredLength.Should().Be(reader.Consumed + "$10\r\n".Length + 12, "the bulk length announces exactly how much is missing");
    }

    [Fact]
    public void TryReadValue_LargeArrayHeaderWithoutData_DoesNotAllocateAndHintsMinimum()
    {
        byte[] wire = Encoding.ASCII.GetBytes("*1000000\r\n");
        var reader = new RespReader(wire);

        reader.TryReadValue(out _).Should().BeFalse();
        reader.RequiredLength.Should().BeGreaterThanOrEqualTo(wire.Length + 3_000_000L);
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData("$3\r\nabcde\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData("+ok\rX")]
    [InlineData("\r\n")]
    public void TryReadValue_InvalidBytes_ThrowsProtocolException(string wire)
    {
        Action read = () => ReadOne(wire);

        read.Should().Throw<RedisProtocolException>().Which.IsRetriable.Should().BeTrue();
    }

    [Fact]
    public void TryReadValue_NestingBeyondLimit_ThrowsProtocolException()
    {
        string wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth + 1)) + ":1\r\n";

        Action read = () => ReadOne(wire);

        read.Should().Throw<RedisProtocolException>();
    }

    [Fact]
    public void AsInt64_BulkStringHoldingNumber_Parses()
    {
        RedisValue.BulkString("-123").AsInt64().Should().Be(-123);
    }

    private static RedisValue ReadOne(string wire) => ReadOne(Encoding.ASCII.GetBytes(wire));

    private static RedisValue ReadOne(byte[] wire)
    {
        var reader = new RespReader(wire);
        reader.TryReadValue(out RedisValue value).Should().BeTrue();
        reader.Consumed.Should().Be(wire.Length);
        return value;
    }
}

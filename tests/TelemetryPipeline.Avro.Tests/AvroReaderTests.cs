using TelemetryPipeline.Avro.Binary;

namespace TelemetryPipeline.Avro.Tests;

public class AvroReaderTests
{
    [Theory]
    [InlineData(0L, new byte[] { 0x00 })]
    [InlineData(-1L, new byte[] { 0x01 })]
    [InlineData(1L, new byte[] { 0x02 })]
    [InlineData(-64L, new byte[] { 0x7F })]
    [InlineData(64L, new byte[] { 0x80, 0x01 })]
    [InlineData(long.MaxValue, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(long.MinValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void TryReadLong_ZigZagVarint_DecodesAndRoundTrips(long expected, byte[] encoded)
    {
        var reader = new AvroReader(encoded);

        reader.TryReadLong(out var value).Should().BeTrue();
        value.Should().Be(expected);
        reader.End.Should().BeTrue();
        Encode(w => w.WriteLong(expected)).Should().Equal(encoded);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    [InlineData(0)]
    [InlineData(-12345)]
    public void TryReadInt_Extremes_RoundTrip(int expected)
    {
        var bytes = Encode(w => w.WriteInt(expected));
        var reader = new AvroReader(bytes);

        reader.TryReadInt(out var value).Should().BeTrue();
        value.Should().Be(expected);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[0])]
    public void TryReadLong_MalformedOrTruncated_ReturnsFalseWithoutMoving(byte[] encoded)
    {
        var reader = new AvroReader(encoded);

        reader.TryReadLong(out _).Should().BeFalse();
        reader.Position.Should().Be(0);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x10 })]
    public void TryReadInt_OverlongOrOverflowing_ReturnsFalse(byte[] encoded)
    {
        var reader = new AvroReader(encoded);

        reader.TryReadInt(out _).Should().BeFalse();
    }

    [Fact]
    public void ReadString_LengthBeyondInput_ThrowsWithOffset()
    {
        var bytes = new byte[] { 0x02, 0x02, 0xC8, 0x01, (byte)'a' };
        var reader = new AvroReader(bytes);
        reader.ReadLong();
        reader.ReadLong();

        AvroException? caught = null;
        try
        {
            reader.ReadString();
        }
        catch (AvroException ex)
        {
            caught = ex;
        }

        caught.Should().NotBeNull();
        caught!.Offset.Should().Be(2);
        caught.Message.Should().Contain("length 100").And.Contain("byte offset 2");
    }

    [Fact]
    public void TryReadString_InvalidUtf8_ReturnsFalse()
    {
        var reader = new AvroReader(new byte[] { 0x04, 0xC3, 0x28 });

        reader.TryReadString(out _).Should().BeFalse();
        reader.Position.Should().Be(0);
    }

    [Fact]
    public void TryReadBoolean_ByteAboveOne_ReturnsFalse()
    {
        var reader = new AvroReader(new byte[] { 0x02 });

        reader.TryReadBoolean(out _).Should().BeFalse();
    }

    [Fact]
    public void WriteString_Unicode_ReadsBack()
    {
        const string text = "Grüße, 東京 🚜";
        var bytes = Encode(w => w.WriteString(text));
        var reader = new AvroReader(bytes);

        reader.ReadString().Should().Be(text);
        reader.End.Should().BeTrue();
    }

    [Fact]
    public void WriteFloatAndDouble_LittleEndian_ReadBack()
    {
        var bytes = Encode(w =>
        {
            w.WriteFloat(1.5f);
            w.WriteDouble(-2.25);
        });

        bytes.Should().Equal(0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xC0);
        var reader = new AvroReader(bytes);
        reader.ReadFloat().Should().Be(1.5f);
        reader.ReadDouble().Should().Be(-2.25);
    }

    [Fact]
    public void ReadBlockCount_NegativeCount_ReturnsAbsoluteCountAndByteSize()
    {
        var reader = new AvroReader(new byte[] { 0x03, 0x04, 0x02, 0x04 });

        var count = reader.ReadBlockCount(out var size);

        count.Should().Be(2);
        size.Should().Be(2);
    }

    internal static byte[] Encode(WriteAction action)
    {
        using var buffer = new PooledBufferWriter();
        action(new AvroWriter(buffer));
        return buffer.ToArray();
    }

    internal delegate void WriteAction(AvroWriter writer);
}

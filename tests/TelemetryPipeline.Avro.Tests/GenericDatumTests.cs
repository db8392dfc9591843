using TelemetryPipeline.Avro.Binary;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

public class GenericDatumTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void WriteThenRead_InteropRecord_RoundTrips(int seed)
    {
        var datum = TestSchemas.InteropDatum(seed);

        var bytes = new GenericDatumWriter(TestSchemas.Interop).Serialize(datum);
        var back = new GenericDatumReader(TestSchemas.Interop).Read(bytes);

        back.Should().BeOfType<GenericRecord>();
        GenericDatum.DeepEquals(back, datum).Should().BeTrue($"{back} should equal {datum}");
    }

    [Fact]
    public void WriteThenRead_LogicalTypes_RoundTripAsDotNetValues()
    {
        var datum = TestSchemas.LogicalDatum();

        var bytes = new GenericDatumWriter(TestSchemas.Logical).Serialize(datum);
        var back = (GenericRecord)new GenericDatumReader(TestSchemas.Logical).Read(bytes)!;

        back["dec"].Should().Be(12345.6789m);
        back["fixedDec"].Should().Be(-0.50m);
        back["id"].Should().Be(Guid.Parse("6a2f41a3-c54c-fce8-32d2-0324e1c32e22"));
        back["day"].Should().Be(new DateOnly(2026, 11, 20));
        back["timeMs"].Should().Be(new TimeSpan(0, 13, 45, 30, 250));
        back["timeUs"].Should().Be(TimeSpan.FromTicks(123_456_789_0));
        back["tsMs"].Should().Be(new DateTime(2026, 11, 20, 8, 15, 0, 123, DateTimeKind.Utc));
        ((DateTime)back["tsMs"]!).Kind.Should().Be(DateTimeKind.Utc);
        back["tsUs"].Should().Be(new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(10));
        ((DateTime)back["localMs"]!).Kind.Should().Be(DateTimeKind.Unspecified);
        back["localUs"].Should().Be(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified).AddTicks(70));
        back["dur"].Should().Be(new AvroDuration(1, 2, 3));
        back["maybeDec"].Should().Be(-0.0001m);
    }

    [Fact]
    public void Read_WithoutLogicalConversion_KeepsUnderlyingValues()
    {
        var bytes = new GenericDatumWriter(TestSchemas.Logical).Serialize(TestSchemas.LogicalDatum());

        var back = (GenericRecord)new GenericDatumReader(TestSchemas.Logical, options: new AvroReaderOptions { ConvertLogicalTypes = false }).Read(bytes)!;

        back["tsMs"].Should().Be(new DateTimeOffset(2026, 11, 20, 8, 15, 0, 123, TimeSpan.Zero).ToUnixTimeMilliseconds());
        back["dec"].Should().BeOfType<byte[]>();
        AvroDecimal.ToDecimal((byte[])back["dec"]!, 4).Should().Be(12345.6789m);
        back["id"].Should().Be("6a2f41a3-c54c-fce8-32d2-0324e1c32e22");
    }

    [Theory]
    [InlineData("0", new byte[0])]
    [InlineData("1", new byte[] { 0x01 })]
    [InlineData("-1", new byte[] { 0xFF })]
    [InlineData("127", new byte[] { 0x7F })]
    [InlineData("128", new byte[] { 0x00, 0x80 })]
    [InlineData("-128", new byte[] { 0x80 })]
    [InlineData("-129", new byte[] { 0xFF, 0x7F })]
    [InlineData("79228162514264337593543950335", new byte[] { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData("-79228162514264337593543950335", new byte[] { 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 })]
    public void AvroDecimal_UnscaledBytes_RoundTrip(string unscaled, byte[] bytes)
    {
        var value = decimal.Parse(unscaled, System.Globalization.CultureInfo.InvariantCulture);

        var encoded = AvroDecimal.ToBytes(value, 0);
        var decoded = AvroDecimal.ToDecimal(bytes, 0);

        decoded.Should().Be(value);
        AvroDecimal.ToDecimal(encoded, 0).Should().Be(value);
        (unscaled == "0" ? encoded.Length <= 1 : encoded.SequenceEqual(bytes)).Should().BeTrue();
    }

    [Fact]
    public void AvroDecimal_SignExtendedBytes_Decode()
    {
        AvroDecimal.ToDecimal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }, 2).Should().Be(-0.02m);
        AvroDecimal.ToDecimal(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05 }, 1).Should().Be(0.5m);
    }

    [Fact]
    public void AvroDecimal_TooLargeOrTooManyDigits_Throws()
    {
        var tooBig = new byte[] { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

        AvroDecimal.TryToDecimal(tooBig, 0, out _).Should().BeFalse();
        FluentActions.Invoking(() => AvroDecimal.ToBytes(1.23456m, 4)).Should().Throw<AvroException>().WithMessage("*more than 4 fractional digits*");
        FluentActions.Invoking(() => AvroDecimal.ToBytes(123m, 0, precision: 2)).Should().Throw<AvroException>().WithMessage("*more than 2 digits*");
    }

    [Fact]
    public void Write_DatumNotMatchingSchema_ThrowsNamingField()
    {
        var datum = TestSchemas.InteropDatum();
        datum["intField"] = "not a number";

        var act = () => new GenericDatumWriter(TestSchemas.Interop).Serialize(datum);

        act.Should().Throw<AvroException>().Which.FieldPath.Should().Be("intField");
    }

    [Fact]
    public void Read_TruncatedInterop_ThrowsAvroExceptionWithFieldAndOffset()
    {
        var bytes = new GenericDatumWriter(TestSchemas.Interop).Serialize(TestSchemas.InteropDatum());

        var act = () => new GenericDatumReader(TestSchemas.Interop).Read(bytes.AsSpan(0, 10));

        var ex = act.Should().Throw<AvroException>().Which;
        ex.FieldPath.Should().NotBeNull();
        ex.Offset.Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public void Read_TrailingBytes_Throws()
    {
        var bytes = new byte[] { 0x02, 0x00 };

        var act = () => new GenericDatumReader(AvroSchema.Int).Read(bytes);

        act.Should().Throw<AvroException>().WithMessage("*1 unexpected bytes after the datum at byte offset 1*");
    }

    [Fact]
    public void Union_LongValueInNullLongUnion_SelectsLongBranch()
    {
        var schema = AvroSchema.Parse("""["null","int","long","double","string"]""");

        var writer = new GenericDatumWriter(schema);

        writer.Serialize(null).Should().Equal(0x00);
        writer.Serialize(1).Should().Equal(0x02, 0x02);
        writer.Serialize(1L).Should().Equal(0x04, 0x02);
        writer.Serialize(1.0).Should().Equal(0x06, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F);
        writer.Serialize("a").Should().Equal(0x08, 0x02, (byte)'a');
    }

    [Fact]
    public void Json_InteropDatum_RoundTripsThroughAvroJsonEncoding()
    {
        var datum = TestSchemas.InteropDatum(3);

        var json = AvroJsonDatum.ToJson(datum, TestSchemas.Interop);
        var back = AvroJsonDatum.FromJson(json, TestSchemas.Interop);

        json.Should().Contain("\"unionField\":{\"boolean\":true}");
        GenericDatum.DeepEquals(back, datum).Should().BeTrue();
    }

    [Fact]
    public void Json_LogicalDatum_RoundTrips()
    {
        var datum = TestSchemas.LogicalDatum();

        var back = AvroJsonDatum.FromJson(AvroJsonDatum.ToJson(datum, TestSchemas.Logical), TestSchemas.Logical);

        GenericDatum.DeepEquals(back, datum).Should().BeTrue();
    }

    [Fact]
    public void SingleObject_MessageV1_DecodesJavaGroundTruth()
    {
        var schema = AvroSchema.Parse(File.ReadAllText(RepoPaths.AvroTestData("messageV1", "test_schema.avsc")));
        var payload = File.ReadAllBytes(RepoPaths.AvroTestData("messageV1", "test_message.bin"));

        var value = (GenericRecord)AvroSingleObject.Decode(payload, fp => fp == schema.Fingerprint ? schema : null)!;

        value["id"].Should().Be(42L);
        value["name"].Should().Be("Bill");
        value["tags"].Should().BeEquivalentTo(new List<object?> { "dog_lover", "cat_hater" });
        AvroSingleObject.Encode(value, schema).Should().Equal(payload);
    }

    [Fact]
    public void SingleObject_UnknownFingerprint_Throws()
    {
        var payload = File.ReadAllBytes(RepoPaths.AvroTestData("messageV1", "test_message.bin"));

        var act = () => AvroSingleObject.Decode(payload, _ => null);

        act.Should().Throw<AvroException>().WithMessage("*fingerprint 0x3DF542A2F8E12DA9*");
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x01, 0x01 }, false, "single-object header needs 10 bytes")]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x07, 0x02 }, true, null)]
    [InlineData(new byte[] { 0x00, 0x01 }, false, "Confluent header needs 5 bytes")]
    [InlineData(new byte[] { 0x7B, 0x22 }, false, "starts with 0x7B 0x22")]
    [InlineData(new byte[0], false, "empty")]
    public void TryReadFrame_Headers_AreRecognisedOrExplained(byte[] payload, bool ok, string? error)
    {
        AvroFraming.TryReadFrame(payload, out var frame, out var message).Should().Be(ok);

        if (ok)
        {
            frame.Kind.Should().Be(AvroFrameKind.Confluent);
            frame.SchemaId.Should().Be(7);
            frame.DatumOffset.Should().Be(5);
        }
        else
        {
            message.Should().Contain(error);
        }
    }

    [Fact]
    public void ConfluentEncoding_HeaderIsBigEndianSchemaId()
    {
        AvroSingleObject.EncodeConfluent(3, AvroSchema.Int, 0x01020304).Should().Equal(0x00, 0x01, 0x02, 0x03, 0x04, 0x06);
    }
}

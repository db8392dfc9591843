using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Schemas.Tests;

public class AvroCliTests
{
    [Theory]
    [InlineData("weather.avro")]
    [InlineData("weather-deflate.avro")]
    public void Decode_ContainerFile_WritesOneJsonLinePerRecord(string file)
    {
        var output = new StringWriter();

        var code = AvroCli.Decode(RepoPaths.AvroTestData(file), output);

        code.Should().Be(AvroCli.Ok);
        var schema = AvroSchema.Parse("""{"type":"record","name":"test.Weather","fields":[{"name":"station","type":"string"},{"name":"time","type":"long"},{"name":"temp","type":"int"}]}""");
        var expected = File.ReadAllLines(RepoPaths.AvroTestData("weather.json")).Where(l => l.Length > 0).ToList();
        var lines = Lines(output);
        lines.Should().HaveCount(expected.Count);
        for (var i = 0; i < lines.Length; i++)
        {
            GenericDatum.DeepEquals(AvroJsonDatum.FromJson(lines[i], schema), AvroJsonDatum.FromJson(expected[i], schema)).Should().BeTrue(lines[i]);
        }
    }

    [Fact]
    public void Decode_ConcatenatedSingleObjectAndConfluentMessages_DecodesEach()
    {
        var codec = TelemetryCodec.CreateDefault(new Dictionary<int, string> { [7] = "EquipmentUsage.v1" });
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("messages.bin"), [.. codec.EncodeSingleObject(Samples.Usage), .. codec.EncodeUsageV1SingleObject(Samples.MinimalUsage), .. codec.EncodeConfluent(7, Samples.Usage)]);
        var output = new StringWriter();

        var code = AvroCli.Decode(dir.File("messages.bin"), output, new Dictionary<int, string> { [7] = "EquipmentUsage.v1" });

        code.Should().Be(AvroCli.Ok, output.ToString());
        var lines = Lines(output);
        lines.Should().HaveCount(3);
        lines[0].Should().Contain("\"distanceKm\":{\"double\":1.75}").And.Contain("\"eventId\":\"evt-0001\"");
        lines[1].Should().NotContain("distanceKm").And.Contain("\"cumulativeOperatingHours\":{\"double\":12345.5}");
    }

    [Fact]
    public void Decode_Garbage_ExplainsAndReturnsDataError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.json"), "{\"not\":\"avro\"}");
        var output = new StringWriter();

        AvroCli.Decode(dir.File("x.json"), output).Should().Be(AvroCli.DataError);

        output.ToString().Should().Contain("not an Avro container file").And.Contain("0x7B");
    }

    [Fact]
    public void Decode_TruncatedMessage_NamesFileOffset()
    {
        var codec = TelemetryCodec.CreateDefault();
        var bytes = codec.EncodeSingleObject(Samples.Idle);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("cut.bin"), bytes[..20]);
        var output = new StringWriter();

        AvroCli.Decode(dir.File("cut.bin"), output).Should().Be(AvroCli.DataError);

        output.ToString().Should().Contain("does not decode").And.Contain("file byte offset");
    }

    [Fact]
    public void Decode_MissingFile_ReturnsUsageError()
    {
        var output = new StringWriter();

        AvroCli.Decode("/nonexistent/file.avro", output).Should().Be(AvroCli.UsageError);

        output.ToString().Should().Contain("cannot read");
    }

    [Fact]
    public void EncodeThenDecode_ProjectSchemaByName_RoundTrips()
    {
        using var dir = new TempDirectory();
        var lines = new[]
        {
            """{"eventId":"a","source":"s","equipmentRef":{"scheme":"serial","value":"X"},"eventTime":1700000000000,"siteId":null,"projectCode":{"string":"P"},"costCode":null,"intervalStart":null,"operatingHours":{"double":0.5},"cumulativeOperatingHours":null,"distanceKm":null}""",
            "",
            """{"eventId":"b","source":"s","equipmentRef":{"scheme":"serial","value":"X"},"eventTime":1700000000001,"cumulativeOperatingHours":12.5}""",
        };
        var messages = new StringWriter();

        var code = AvroCli.Encode("EquipmentUsage", new StringReader(string.Join('\n', lines)), dir.File("out.avro"), messages);

        code.Should().Be(AvroCli.Ok, messages.ToString());
        messages.ToString().Should().Contain("wrote 2 records");
        var output = new StringWriter();
        AvroCli.Decode(dir.File("out.avro"), output).Should().Be(AvroCli.Ok);
        var decoded = Lines(output);
        decoded.Should().HaveCount(2);
        decoded[0].Should().Contain("\"projectCode\":{\"string\":\"P\"}");
        decoded[1].Should().Contain("\"cumulativeOperatingHours\":{\"double\":12.5}").And.Contain("\"siteId\":null");
    }

    [Fact]
    public void Encode_BadLine_NamesLineAndFieldAndLeavesNoFile()
    {
        using var dir = new TempDirectory();
        var messages = new StringWriter();
        var input = "{\"scheme\":\"a\",\"value\":\"b\",\"equipmentId\":\"c\"}\n{\"scheme\":\"a\",\"value\":7,\"equipmentId\":\"c\"}\n";

        var code = AvroCli.Encode("EquipmentAlias", new StringReader(input), dir.File("out.avro"), messages);

        code.Should().Be(AvroCli.DataError);
        messages.ToString().Should().Contain("line 2").And.Contain("value");
        File.Exists(dir.File("out.avro")).Should().BeFalse();
        Directory.GetFiles(dir.Path).Should().BeEmpty();
    }

    [Fact]
    public void Fingerprint_MessageV1Schema_PrintsHexDecimalAndHeader()
    {
        var output = new StringWriter();

        AvroCli.Fingerprint(RepoPaths.AvroTestData("messageV1", "test_schema.avsc"), output).Should().Be(AvroCli.Ok);

        var text = output.ToString();
        text.Should().Contain("canonical form: {\"name\":\"org.apache.avro.TestMessage\"");
        text.Should().Contain("0x3DF542A2F8E12DA9");
        text.Should().Contain("single-object header: C301A92DE1F8A242F53D");
        text.Should().Contain(unchecked((long)0x3DF542A2F8E12DA9UL).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Fingerprint_InvalidSchema_ReturnsUsageError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.avsc"), "{\"type\":\"record\",\"name\":\"R\"}");
        var output = new StringWriter();

        AvroCli.Fingerprint(dir.File("bad.avsc"), output).Should().Be(AvroCli.UsageError);

        output.ToString().Should().Contain("not a valid Avro schema").And.Contain("fields");
    }

    [Theory]
    [InlineData("EquipmentUsage.v1", "EquipmentUsage")]
    [InlineData("EquipmentUsage", "EquipmentUsage.v1")]
    public void Check_UsageVersions_AreCompatibleBothWays(string writer, string reader)
    {
        var output = new StringWriter();

        AvroCli.Check(writer, reader, output).Should().Be(AvroCli.Ok, output.ToString());

        output.ToString().Should().Contain("compatible: every datum");
    }

    [Fact]
    public void Check_IncompatiblePair_NamesFieldAndReturnsDataError()
    {
        var output = new StringWriter();

        AvroCli.Check("EquipmentAlias", "EquipmentAssignment", output).Should().Be(AvroCli.DataError);

        output.ToString().Should().Contain("incompatible:").And.Contain("EquipmentAlias");
    }

    [Fact]
    public void Check_MissingFieldWithoutDefault_NamesTheField()
    {
        using var dir = new TempDirectory();
        var reader = TelemetrySchemas.GetJson("EquipmentAlias").Replace("{\"name\": \"equipmentId\", \"type\": \"string\"}", "{\"name\": \"equipmentId\", \"type\": \"string\"}, {\"name\": \"region\", \"type\": \"string\"}", StringComparison.Ordinal);
        File.WriteAllText(dir.File("reader.avsc"), reader);
        var output = new StringWriter();

        AvroCli.Check("EquipmentAlias", dir.File("reader.avsc"), output).Should().Be(AvroCli.DataError);

        output.ToString().Should().Contain("field 'region'").And.Contain("no default");
    }

    private static string[] Lines(StringWriter writer) => writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

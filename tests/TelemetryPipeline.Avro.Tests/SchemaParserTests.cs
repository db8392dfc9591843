using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Tests;

public class SchemaParserTests
{
    [Fact]
    public void Parse_NestedNamedTypes_InheritEnclosingNamespace()
    {
        var parser = new SchemaParser();
        parser.Parse("""{"type":"fixed","name":"G","size":1}""");
        var schema = (RecordSchema)parser.Parse("""
            {"type":"record","name":"Outer","namespace":"a.b","fields":[
              {"name":"inner","type":{"type":"record","name":"Inner","fields":[]}},
              {"name":"other","type":{"type":"record","name":"x.Other","fields":[
                {"name":"again","type":"a.b.Inner"},
                {"name":"global","type":"G"}]}},
              {"name":"noNs","type":{"type":"enum","name":"E","namespace":"","symbols":["A"]}}]}
            """);

        ((RecordSchema)schema.GetField("inner").Schema).FullName.Should().Be("a.b.Inner");
        var other = (RecordSchema)schema.GetField("other").Schema;
        other.FullName.Should().Be("x.Other");
        ((RecordSchema)other.GetField("again").Schema).FullName.Should().Be("a.b.Inner");
        ((FixedSchema)other.GetField("global").Schema).FullName.Should().Be("G");
        ((EnumSchema)schema.GetField("noNs").Schema).FullName.Should().Be("E");
    }

    [Fact]
    public void Parse_RecursiveRecord_RefersToItself()
    {
        var schema = (RecordSchema)AvroSchema.Parse("""
            {"type":"record","name":"Node","fields":[{"name":"children","type":{"type":"array","items":"Node"}}]}
            """);

        ((ArraySchema)schema.GetField("children").Schema).Items.Should().BeSameAs(schema);
    }

    [Fact]
    public void Parse_UnknownNameInNestedField_NamesTheFieldPath()
    {
        var act = () => AvroSchema.Parse("""{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S","fields":[{"name":"b","type":"Nope"}]}}]}""");

        act.Should().Throw<AvroException>().Which.Message.Should().Contain("'Nope'").And.Contain("field 'a.b'");
    }

    [Theory]
    [InlineData("""{"type":"record","name":"1bad","fields":[]}""", "Invalid name '1bad'")]
    [InlineData("""{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}""", "field 'a' twice")]
    [InlineData("""{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}""", "Unknown type name 'Missing'")]
    [InlineData("""{"type":"enum","name":"E","symbols":["A","A"]}""", "symbol 'A' twice")]
    [InlineData("""{"type":"enum","name":"E","symbols":["A"],"default":"B"}""", "default 'B'")]
    [InlineData("""{"type":"fixed","name":"F","size":-1}""", "non-negative integer 'size'")]
    [InlineData("""["int","int"]""", "'int' twice")]
    [InlineData("""["int",["string"]]""", "another union")]
    [InlineData("""{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}""", "Invalid default for field 'a'")]
    [InlineData("""{"type":"record","name":"int","fields":[]}""", "primitive type 'int'")]
    [InlineData("""{"type":"array"}""", "no 'items'")]
    [InlineData("""{"type":"record","name":"R","fields":[]""", "not valid JSON")]
    [InlineData("""{"type":"record","name":"R","fields":[{"name":"a","type":"R"},{"name":"b","type":{"type":"record","name":"R","fields":[]}}]}""", "defined twice")]
    public void Parse_InvalidSchema_ThrowsNamingTheProblem(string json, string expected)
    {
        var act = () => AvroSchema.Parse(json);

        act.Should().Throw<AvroException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Parse_ValidLogicalTypes_AreRecognised()
    {
        var schema = (RecordSchema)AvroSchema.Parse("""
            {"type":"record","name":"L","fields":[
              {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},
              {"name":"fd","type":{"type":"fixed","name":"FD","size":8,"logicalType":"decimal","precision":18,"scale":2}},
              {"name":"u","type":{"type":"string","logicalType":"uuid"}},
              {"name":"day","type":{"type":"int","logicalType":"date"}},
              {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
              {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
              {"name":"tsm","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
              {"name":"ltm","type":{"type":"long","logicalType":"local-timestamp-millis"}},
              {"name":"ltu","type":{"type":"long","logicalType":"local-timestamp-micros"}},
              {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}}]}
            """);

        schema.Fields.Select(f => f.Schema.LogicalType!.Kind).Should().Equal(
            LogicalTypeKind.Decimal, LogicalTypeKind.Decimal, LogicalTypeKind.Uuid, LogicalTypeKind.Date, LogicalTypeKind.TimeMillis,
            LogicalTypeKind.TimeMicros, LogicalTypeKind.TimestampMillis, LogicalTypeKind.TimestampMicros,
            LogicalTypeKind.LocalTimestampMillis, LogicalTypeKind.LocalTimestampMicros, LogicalTypeKind.Duration);
        schema.GetField("d").Schema.LogicalType!.Scale.Should().Be(4);
    }

    [Theory]
    [InlineData("""{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}""")]
    [InlineData("""{"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":10}""")]
    [InlineData("""{"type":"int","logicalType":"timestamp-millis"}""")]
    [InlineData("""{"type":"long","logicalType":"date"}""")]
    [InlineData("""{"type":"fixed","name":"F","size":11,"logicalType":"duration"}""")]
    [InlineData("""{"type":"string","logicalType":"no-such-type"}""")]
    public void Parse_InvalidLogicalType_IsIgnoredAndKeptAsProperty(string json)
    {
        var schema = AvroSchema.Parse(json);

        schema.LogicalType.Should().BeNull();
        schema.Properties.Should().ContainKey("logicalType");
    }

    [Fact]
    public void ToJson_FullForm_ReparsesToSameCanonicalFormAndKeepsDetails()
    {
        var json = """
            {"type":"record","name":"R","namespace":"n","doc":"doc","aliases":["Old"],"fields":[
              {"name":"a","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null,"aliases":["A0"],"doc":"x","order":"descending"},
              {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}},
              {"name":"m","type":{"type":"map","values":"E"},"custom":{"k":1}}]}
            """;
        var schema = (RecordSchema)AvroSchema.Parse(json);

        var reparsed = (RecordSchema)AvroSchema.Parse(schema.ToJson());

        reparsed.CanonicalForm.Should().Be(schema.CanonicalForm);
        reparsed.AliasNames.Select(a => a.FullName).Should().Equal("n.Old");
        reparsed.GetField("a").Aliases.Should().Equal("A0");
        reparsed.GetField("a").Order.Should().Be(FieldOrder.Descending);
        reparsed.GetField("a").DefaultJson!.Value.ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        ((EnumSchema)reparsed.GetField("e").Schema).Default.Should().Be("X");
        reparsed.GetField("m").Properties.Should().ContainKey("custom");
        ((UnionSchema)reparsed.GetField("a").Schema).Branches[1].LogicalType!.Kind.Should().Be(LogicalTypeKind.TimestampMillis);
    }

    [Fact]
    public void SchemaParser_SecondSchema_CanReferToFirstOnesNames()
    {
        var parser = new SchemaParser();
        parser.Parse("""{"type":"fixed","name":"ns.Hash","size":4}""");

        var schema = (RecordSchema)parser.Parse("""{"type":"record","name":"ns.R","fields":[{"name":"h","type":"Hash"}]}""");

        schema.GetField("h").Schema.Should().BeOfType<FixedSchema>();
    }
}

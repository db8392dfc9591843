using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Resolution;
using TelemetryPipeline.Avro.Schema;

namespace TelemetryPipeline.Avro.Tests;

public class SchemaResolutionTests
{
    [Fact]
    public void Read_AddedReaderFieldsWithDefaults_AreFilled()
    {
        var writer = Record("""{"name":"a","type":"int"}""");
        var reader = Record("""
            {"name":"a","type":"int"},
            {"name":"s","type":"string","default":"x"},
            {"name":"n","type":["null","long"],"default":null},
            {"name":"arr","type":{"type":"array","items":"int"},"default":[1,2]},
            {"name":"sub","type":{"type":"record","name":"Sub","fields":[{"name":"f","type":"double"}]},"default":{"f":1.5}},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["P","Q"]},"default":"Q"},
            {"name":"b","type":"bytes","default":"\u00ff\u0001"},
            {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"},"default":1000}
            """);

        var value = Resolve(writer, reader, new GenericRecord(writer).With("a", 7));

        value["a"].Should().Be(7);
        value["s"].Should().Be("x");
        value["n"].Should().BeNull();
        value["arr"].Should().BeEquivalentTo(new List<object?> { 1, 2 });
        ((GenericRecord)value["sub"]!)["f"].Should().Be(1.5);
        ((GenericEnum)value["e"]!).Symbol.Should().Be("Q");
        value["b"].Should().BeEquivalentTo(new byte[] { 0xFF, 0x01 });
        value["ts"].Should().Be(DateTime.UnixEpoch.AddSeconds(1));
    }

    [Fact]
    public void Read_DefaultsOfMutableValues_AreFreshCopies()
    {
        var writer = Record("""{"name":"a","type":"int"}""");
        var reader = Record("""{"name":"a","type":"int"},{"name":"arr","type":{"type":"array","items":"int"},"default":[1]}""");

        var first = Resolve(writer, reader, new GenericRecord(writer).With("a", 1));
        ((List<object?>)first["arr"]!).Add(99);
        var second = Resolve(writer, reader, new GenericRecord(writer).With("a", 1));

        ((List<object?>)second["arr"]!).Should().HaveCount(1);
    }

    [Fact]
    public void Read_RemovedWriterFields_AreSkippedWhateverTheirType()
    {
        var writer = Record("""
            {"name":"gone1","type":{"type":"map","values":{"type":"array","items":"string"}}},
            {"name":"keep","type":"string"},
            {"name":"gone2","type":["null",{"type":"record","name":"G","fields":[{"name":"x","type":"bytes"},{"name":"f","type":{"type":"fixed","name":"F","size":3}}]}]},
            {"name":"gone3","type":{"type":"enum","name":"E","symbols":["A","B"]}},
            {"name":"gone4","type":"float"},{"name":"gone5","type":"double"},{"name":"gone6","type":"boolean"},{"name":"gone7","type":"long"},
            {"name":"last","type":"int"}
            """);
        var reader = Record("""{"name":"last","type":"int"},{"name":"keep","type":"string"}""");
        var g = (RecordSchema)((UnionSchema)writer.GetField("gone2").Schema).Branches[1];
        var datum = new GenericRecord(writer)
            .With("gone1", new Dictionary<string, object?> { ["k"] = new List<object?> { "a", "b" } })
            .With("keep", "kept")
            .With("gone2", new GenericRecord(g).With("x", new byte[] { 1, 2 }).With("f", new byte[] { 1, 2, 3 }))
            .With("gone3", "B").With("gone4", 1f).With("gone5", 2.0).With("gone6", true).With("gone7", 5L)
            .With("last", -3);

        var value = Resolve(writer, reader, datum);

        value["keep"].Should().Be("kept");
        value["last"].Should().Be(-3);
    }

    [Theory]
    [InlineData("int", "long", 5, 5L)]
    [InlineData("int", "float", 5, 5f)]
    [InlineData("int", "double", 5, 5d)]
    [InlineData("long", "float", 5L, 5f)]
    [InlineData("long", "double", 5L, 5d)]
    [InlineData("float", "double", 1.5f, 1.5d)]
    [InlineData("string", "bytes", "hé", new byte[] { 0x68, 0xC3, 0xA9 })]
    [InlineData("bytes", "string", new byte[] { 0x68, 0xC3, 0xA9 }, "hé")]
    public void Read_PromotedPrimitive_HasReaderType(string writerType, string readerType, object written, object expected)
    {
        var writer = AvroSchema.Parse($"\"{writerType}\"");
        var reader = AvroSchema.Parse($"\"{readerType}\"");

        var value = new GenericDatumReader(writer, reader).Read(new GenericDatumWriter(writer).Serialize(written));

        value.Should().BeEquivalentTo(expected);
        value!.GetType().Should().Be(expected.GetType());
    }

    [Fact]
    public void Read_PromotedFieldsInsideRecord_HaveReaderTypes()
    {
        var writer = Record("""{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"}""");
        var reader = Record("""{"name":"i","type":"double"},{"name":"l","type":"float"},{"name":"f","type":"double"}""");

        var value = Resolve(writer, reader, new GenericRecord(writer).With("i", 3).With("l", 4L).With("f", 0.5f));

        value["i"].Should().Be(3d);
        value["l"].Should().Be(4f);
        value["f"].Should().Be(0.5d);
    }

    [Fact]
    public void Read_UnknownEnumSymbolWithReaderDefault_UsesDefault()
    {
        var writer = AvroSchema.Parse("""{"type":"enum","name":"E","symbols":["A","B","NEW"]}""");
        var reader = AvroSchema.Parse("""{"type":"enum","name":"E","symbols":["UNKNOWN","B","A"],"default":"UNKNOWN"}""");
        var read = new GenericDatumReader(writer, reader);

        ((GenericEnum)read.Read(new GenericDatumWriter(writer).Serialize("NEW"))!).Symbol.Should().Be("UNKNOWN");
        ((GenericEnum)read.Read(new GenericDatumWriter(writer).Serialize("A"))!).Symbol.Should().Be("A");
    }

    [Fact]
    public void Read_UnknownEnumSymbolWithoutDefault_FailsOnlyForThatSymbol()
    {
        var writer = AvroSchema.Parse("""{"type":"enum","name":"E","symbols":["A","NEW"]}""");
        var reader = AvroSchema.Parse("""{"type":"enum","name":"E","symbols":["A"]}""");
        var read = new GenericDatumReader(writer, reader);

        ((GenericEnum)read.Read(new byte[] { 0x00 })!).Symbol.Should().Be("A");
        FluentActions.Invoking(() => read.Read(new byte[] { 0x02 })).Should().Throw<AvroException>().WithMessage("*NEW*");
        SchemaResolver.Check(writer, reader).Warnings.Should().ContainSingle().Which.Should().Contain("NEW");
    }

    [Fact]
    public void Read_WriterUnionIntoReaderUnion_MatchesBranchesByTypeAndPromotion()
    {
        var writer = AvroSchema.Parse("""["null","int","string",{"type":"record","name":"R","fields":[]}]""");
        var reader = AvroSchema.Parse("""[{"type":"record","name":"R","fields":[]},"bytes","long","null"]""");
        var read = new GenericDatumReader(writer, reader);
        var write = new GenericDatumWriter(writer);

        read.Read(write.Serialize(null)).Should().BeNull();
        read.Read(write.Serialize(5)).Should().Be(5L);
        read.Read(write.Serialize("a")).Should().BeEquivalentTo(new byte[] { 0x61 });
        read.Read(write.Serialize(new GenericRecord((RecordSchema)((UnionSchema)writer).Branches[3]))).Should().BeOfType<GenericRecord>();
    }

    [Fact]
    public void Read_WriterValueIntoReaderUnion_PicksExactBranchBeforePromotion()
    {
        var read = new GenericDatumReader(AvroSchema.Int, AvroSchema.Parse("""["null","double","int"]"""));

        read.Read(new byte[] { 0x04 }).Should().Be(2);
    }

    [Fact]
    public void Read_WriterUnionIntoNonUnion_ReadsMatchingBranchesAndRejectsOthers()
    {
        var writer = AvroSchema.Parse("""["null","int"]""");
        var read = new GenericDatumReader(writer, AvroSchema.Long);

        read.Read(new byte[] { 0x02, 0x06 }).Should().Be(3L);
        FluentActions.Invoking(() => read.Read(new byte[] { 0x00 })).Should().Throw<AvroException>().WithMessage("*null*");
        SchemaResolver.Check(writer, AvroSchema.Long).CanResolve.Should().BeTrue();
        SchemaResolver.Check(writer, AvroSchema.Long).IsCompatible.Should().BeFalse();
    }

    [Fact]
    public void Read_ReaderAliases_MatchRenamedRecordAndFields()
    {
        var writer = AvroSchema.Parse("""{"type":"record","name":"old.Thing","fields":[{"name":"oldName","type":"string"},{"name":"keep","type":"int"}]}""");
        var reader = AvroSchema.Parse("""{"type":"record","name":"Renamed","namespace":"new","aliases":["old.Thing"],"fields":[{"name":"keep","type":"int"},{"name":"newName","type":"string","aliases":["oldName"]}]}""");

        var value = (GenericRecord)new GenericDatumReader(writer, reader).Read(new GenericDatumWriter(writer).Serialize(new GenericRecord((RecordSchema)writer).With("oldName", "v").With("keep", 1)))!;

        value.Schema.FullName.Should().Be("new.Renamed");
        value["newName"].Should().Be("v");
        value["keep"].Should().Be(1);
    }

    [Fact]
    public void Read_RecursiveSchemaEvolution_Resolves()
    {
        var writer = AvroSchema.Parse("""{"type":"record","name":"Node","fields":[{"name":"label","type":"string"},{"name":"children","type":{"type":"array","items":"Node"}}]}""");
        var reader = AvroSchema.Parse("""{"type":"record","name":"Node","fields":[{"name":"children","type":{"type":"array","items":"Node"}},{"name":"weight","type":"double","default":1}]}""");
        var node = (RecordSchema)writer;
        var tree = new GenericRecord(node).With("label", "root").With("children", new List<object?> { new GenericRecord(node).With("label", "leaf").With("children", new List<object?>()) });

        var value = (GenericRecord)new GenericDatumReader(writer, reader).Read(new GenericDatumWriter(writer).Serialize(tree))!;

        value["weight"].Should().Be(1d);
        ((GenericRecord)((List<object?>)value["children"]!)[0]!)["weight"].Should().Be(1d);
    }

    [Theory]
    [InlineData("""{"name":"a","type":"int"}""", """{"name":"a","type":"string"}""", "field 'a'", "int cannot be read as reader type string")]
    [InlineData("""{"name":"a","type":"long"}""", """{"name":"a","type":"int"}""", "field 'a'", "long cannot be read")]
    [InlineData("""{"name":"a","type":"int"}""", """{"name":"a","type":"int"},{"name":"b","type":"string"}""", "field 'b'", "no default")]
    [InlineData("""{"name":"a","type":{"type":"fixed","name":"F","size":4}}""", """{"name":"a","type":{"type":"fixed","name":"F","size":8}}""", "field 'a'", "size 4")]
    [InlineData("""{"name":"a","type":{"type":"record","name":"X","fields":[]}}""", """{"name":"a","type":{"type":"record","name":"Y","fields":[]}}""", "field 'a'", "t.X cannot be read as reader type t.Y")]
    [InlineData("""{"name":"a","type":{"type":"array","items":"string"}}""", """{"name":"a","type":{"type":"array","items":"int"}}""", "field 'a.[]'", "string cannot be read")]
    [InlineData("""{"name":"a","type":"string"}""", """{"name":"a","type":["null","int"]}""", "field 'a'", "matches no branch")]
    [InlineData("""{"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}""", """{"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":4}}""", "field 'a'", "scale 2")]
    public void Resolve_IncompatiblePair_ThrowsNamingTheField(string writerFields, string readerFields, string field, string problem)
    {
        var writer = Record(writerFields);
        var reader = Record(readerFields);

        var ex = FluentActions.Invoking(() => SchemaResolver.Resolve(writer, reader)).Should().Throw<AvroException>().Which;

        ex.Message.Should().Contain(field).And.Contain(problem);
        SchemaResolver.Check(writer, reader).Errors.Should().NotBeEmpty();
    }

    [Fact]
    public void Check_IdenticalSchemas_IsCompatible()
    {
        var result = SchemaResolver.Check(TestSchemas.Interop, TestSchemas.Interop);

        result.IsCompatible.Should().BeTrue();
        result.Errors.Should().BeEmpty();
    }

    [Fact]
    public void Resolve_SamePair_IsCachedPlan()
    {
        SchemaResolver.Resolve(TestSchemas.Interop, TestSchemas.Interop).Should().BeSameAs(SchemaResolver.Resolve(TestSchemas.Interop, TestSchemas.Interop));
    }

    private static RecordSchema Record(string fields) =>
        (RecordSchema)AvroSchema.Parse($$"""{"type":"record","name":"R","namespace":"t","fields":[{{fields}}]}""");

    private static GenericRecord Resolve(RecordSchema writer, RecordSchema reader, GenericRecord datum) =>
        (GenericRecord)new GenericDatumReader(writer, reader).Read(new GenericDatumWriter(writer).Serialize(datum))!;
}

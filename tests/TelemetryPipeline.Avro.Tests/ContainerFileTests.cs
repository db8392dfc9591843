using TelemetryPipeline.Avro.Container;
using TelemetryPipeline.Avro.Generic;
using TelemetryPipeline.Avro.Json;
using TelemetryPipeline.Avro.Schema;
using TelemetryPipeline.Avro.Testing;

namespace TelemetryPipeline.Avro.Tests;

public class ContainerFileTests
{
    [Theory]
    [InlineData("weather.avro", AvroCodec.Null)]
    [InlineData("weather-deflate.avro", AvroCodec.Deflate)]
    public void Read_WeatherFiles_MatchWeatherJson(string file, AvroCodec codec)
    {
        using var reader = AvroContainerReader.Open(RepoPaths.AvroTestData(file));

        var datums = reader.ReadAll().ToList();

        reader.Codec.Should().Be(codec);
        ((RecordSchema)reader.WriterSchema).FullName.Should().Be("test.Weather");
        var expected = File.ReadAllLines(RepoPaths.AvroTestData("weather.json")).Where(l => l.Length > 0).Select(l => AvroJsonDatum.FromJson(l, reader.WriterSchema)).ToList();
        datums.Should().HaveCount(5);
        for (var i = 0; i < expected.Count; i++)
        {
            GenericDatum.DeepEquals(datums[i], expected[i]).Should().BeTrue($"{datums[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Read_WeatherWithReaderSchema_ResolvesEachDatum()
    {
        var readerSchema = AvroSchema.Parse("""{"type":"record","name":"test.Weather","fields":[{"name":"temp","type":"double"},{"name":"note","type":"string","default":"-"}]}""");
        using var reader = AvroContainerReader.Open(RepoPaths.AvroTestData("weather.avro"), readerSchema);

        var temps = reader.ReadAll().Cast<GenericRecord>().Select(r => r["temp"]).ToList();

        temps.Should().Equal(0d, 22d, -11d, 111d, 78d);
    }

    [Theory]
    [InlineData(AvroCodec.Null)]
    [InlineData(AvroCodec.Deflate)]
    public void WriteThenRead_ManyBlocks_RoundTrips(AvroCodec codec)
    {
        var datums = Enumerable.Range(1, 300).Select(i => (object?)TestSchemas.InteropDatum(i)).ToList();
        using var stream = new MemoryStream();
        using (var writer = new AvroContainerWriter(stream, TestSchemas.Interop, codec, syncInterval: 1024, metadata: new Dictionary<string, byte[]> { ["user.note"] = [1, 2] }, leaveOpen: true))
        {
            foreach (var datum in datums)
            {
                writer.Append(datum);
            }
        }

        stream.Position = 0;
        using var reader = AvroContainerReader.Open(stream);
        var back = reader.ReadAll().ToList();

        back.Should().HaveCount(datums.Count);
        back.Zip(datums).All(p => GenericDatum.DeepEquals(p.First, p.Second)).Should().BeTrue();
        reader.Metadata["user.note"].Should().Equal(1, 2);
        reader.WriterSchema.CanonicalForm.Should().Be(TestSchemas.Interop.CanonicalForm);
    }

    [Fact]
    public void Read_CorruptSyncMarker_ThrowsAvroException()
    {
        var bytes = File.ReadAllBytes(RepoPaths.AvroTestData("weather.avro"));
        bytes[^1] ^= 0xFF;

        var act = () => AvroContainerReader.Open(new MemoryStream(bytes)).ReadAll().ToList();

        act.Should().Throw<AvroException>().WithMessage("*Sync marker*");
    }

    [Theory]
    [InlineData("weather.avro")]
    [InlineData("weather-deflate.avro")]
    public void Read_EveryTruncation_ThrowsAvroExceptionOrEndsAtABlockBoundary(string file)
    {
        var bytes = File.ReadAllBytes(RepoPaths.AvroTestData(file));
        var complete = AvroContainerReader.Open(new MemoryStream(bytes)).ReadAll().Count();
        var boundaries = 0;

        for (var length = 0; length < bytes.Length; length++)
        {
            try
            {
                using var reader = AvroContainerReader.Open(new MemoryStream(bytes, 0, length));
                reader.ReadAll().Count().Should().BeLessThan(complete, $"length {length} cuts the file");
                boundaries++;
            }
            catch (AvroException)
            {
                // The expected outcome for a cut inside the header or a block.
            }
        }

        // Only a cut right after the header (a valid empty file) may read without error: each file has one block.
        boundaries.Should().Be(1);
    }

    [Fact]
    public void Read_HugeDeclaredBlock_FailsWithoutAllocatingIt()
    {
        using var source = new MemoryStream();
        using (var writer = new AvroContainerWriter(source, AvroSchema.Int, leaveOpen: true))
        {
            writer.Append(1);
        }

        var bytes = source.ToArray();
        var headerEnd = bytes.Length - (1 + 1 + 1 + 16);
        var forged = bytes[..headerEnd].Concat(new byte[] { 0x02, 0xFE, 0xFF, 0xFF, 0x3F, 0x02 }).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => AvroContainerReader.Open(new MemoryStream(forged), options: new AvroContainerOptions { MaxBlockBytes = 1 << 30 }).ReadAll().ToList();

        act.Should().Throw<AvroException>().WithMessage("*ends inside a block*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("deflate")]
    public void PythonWrittenContainer_ReadsInCSharp(string codec)
    {
        using var dir = new TempDirectory();
        var datums = new[] { TestSchemas.InteropDatum(1), TestSchemas.InteropDatum(2) };
        File.WriteAllText(dir.File("schema.avsc"), TestSchemas.Interop.ToJson());
        File.WriteAllLines(dir.File("values.jsonl"), datums.Select(d => AvroJsonDatum.ToJson(d, TestSchemas.Interop)));
        PythonAvro.Run("write", dir.File("schema.avsc"), dir.File("values.jsonl"), dir.Path);

        using var reader = AvroContainerReader.Open(dir.File(codec + ".avro"));
        var back = reader.ReadAll().ToList();

        back.Should().HaveCount(2);
        GenericDatum.DeepEquals(back[0], datums[0]).Should().BeTrue();
        GenericDatum.DeepEquals(back[1], datums[1]).Should().BeTrue();
    }

    [Theory]
    [InlineData(AvroCodec.Null)]
    [InlineData(AvroCodec.Deflate)]
    public void CSharpWrittenContainer_ReadsInPython(AvroCodec codec)
    {
        using var dir = new TempDirectory();
        var datums = Enumerable.Range(1, 50).Select(i => TestSchemas.InteropDatum(i)).ToList();
        using (var writer = new AvroContainerWriter(File.Create(dir.File("out.avro")), TestSchemas.Interop, codec, syncInterval: 2048))
        {
            datums.ForEach(writer.Append);
        }

        var lines = PythonAvro.Lines(PythonAvro.Run("read-container", dir.File("out.avro")));

        lines.Should().HaveCount(datums.Count);
        for (var i = 0; i < datums.Count; i++)
        {
            GenericDatum.DeepEquals(AvroJsonDatum.FromJson(lines[i], TestSchemas.Interop), datums[i]).Should().BeTrue(lines[i]);
        }
    }
}

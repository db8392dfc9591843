using System.CommandLine;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Schemas;

namespace TelemetryPipeline.Verbs;

/// <summary><c>avro decode|encode|fingerprint|check</c>: the project's Avro codec from the command line.</summary>
internal static class AvroVerb
{
    public static Command Create()
    {
        var command = new Command("avro", "Inspect and produce Avro data with the project's codec.");

        var input = new Argument<string>("file") { Description = "Object container file, or a single-object (C3 01) / Confluent-framed (00) record file." };
        var decode = new Command("decode", "Decode to JSON lines on stdout.") { input };
        VerbAction.Set(decode, (context, _) =>
        {
            var ingest = context.Bind<IngestOptions>(IngestOptions.Section);
            return Task.FromResult(AvroCli.Decode(context.Parse.GetValue(input)!, Console.Out, ingest.ConfluentSchemaIds));
        });

        var schema = new Option<string>("--schema") { Description = "Writer schema (.avsc).", Required = true };
        var output = new Option<string>("--output") { Description = "Container file to write.", Required = true };
        var jsonInput = new Option<string?>("--input") { Description = "JSON lines to encode (default: stdin)." };
        var encode = new Command("encode", "Encode JSON lines into an object container file (deflate).") { schema, output, jsonInput };
        VerbAction.Set(encode, (context, _) =>
        {
            string? path = context.Parse.GetValue(jsonInput);
            using TextReader reader = path is null ? Console.In : File.OpenText(path);
            return Task.FromResult(AvroCli.Encode(context.Parse.GetValue(schema)!, reader, context.Parse.GetValue(output)!, Console.Error));
        });

        var schemaFile = new Argument<string>("schema") { Description = "Schema file (.avsc)." };
        var fingerprint = new Command("fingerprint", "Print the Parsing Canonical Form and the CRC-64-AVRO fingerprint.") { schemaFile };
        VerbAction.Set(fingerprint, (context, _) => Task.FromResult(AvroCli.Fingerprint(context.Parse.GetValue(schemaFile)!, Console.Out)));

        var writer = new Argument<string>("writer") { Description = "Writer schema (.avsc)." };
        var readerSchema = new Argument<string>("reader") { Description = "Reader schema (.avsc)." };
        var check = new Command("check", "Report whether data written with the writer schema can be read with the reader schema.") { writer, readerSchema };
        VerbAction.Set(check, (context, _) =>
            Task.FromResult(AvroCli.Check(context.Parse.GetValue(writer)!, context.Parse.GetValue(readerSchema)!, Console.Out)));

        command.Subcommands.Add(decode);
        command.Subcommands.Add(encode);
        command.Subcommands.Add(fingerprint);
        command.Subcommands.Add(check);
        return command;
    }
}

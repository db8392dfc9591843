using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo.Tests.Support;

/// <summary>The exchanges recorded against a real Odoo 19 in <c>shared/odoo-fixtures</c> (beside the repository).</summary>
internal static class OdooFixtureFiles
{
    /// <summary>The fixture directory: <c>TP_ODOO_FIXTURES</c>, else <c>shared/odoo-fixtures</c> found walking up from this source file.</summary>
    public static string Directory { get; } = Locate();

    /// <summary>index.json entries in recording order.</summary>
    public static IReadOnlyList<JsonObject> Index() =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "index.json")))!.AsArray().Select(static e => e!.AsObject())];

    public static string Read(string name) => File.ReadAllText(Path.Combine(Directory, name));

    private static string Locate([CallerFilePath] string source = "")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("TP_ODOO_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = Path.GetDirectoryName(source); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "shared", "odoo-fixtures");
            if (File.Exists(Path.Combine(candidate, "index.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("shared/odoo-fixtures not found above " + source + "; set TP_ODOO_FIXTURES");
    }
}

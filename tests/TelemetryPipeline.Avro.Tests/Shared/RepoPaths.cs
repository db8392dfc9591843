using System.Reflection;

namespace TelemetryPipeline.Avro.Testing;

/// <summary>
/// Locates the repository (the directory holding TelemetryPipeline.sln) by walking up from the test binaries, or,
/// when they were built into an artifacts path outside the repository, from the source directory recorded at build
/// time; the shared Avro test vectors are next to the repository.
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string AvroTestData(params string[] parts) =>
        Path.GetFullPath(Path.Combine([Root, "..", "shared", "avro-testdata", .. parts]));

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    private static string FindRoot()
    {
        var sourceDirectory = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SourceDirectory")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, sourceDirectory })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TelemetryPipeline.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No directory above {AppContext.BaseDirectory} or {sourceDirectory} contains TelemetryPipeline.sln.");
    }
}

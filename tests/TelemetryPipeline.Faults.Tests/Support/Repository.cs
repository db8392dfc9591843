using System.Reflection;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>Where the repository and the built host are, as recorded at build time (overridable for odd layouts).</summary>
internal static class Repository
{
    /// <summary>The repository root (TP_FAULTS_REPO_ROOT overrides).</summary>
    public static string Root { get; } = Environment.GetEnvironmentVariable("TP_FAULTS_REPO_ROOT") is { Length: > 0 } root
        ? root
        : Metadata("RepositoryRoot");

    /// <summary>TelemetryPipeline.dll as built next to this test project (TP_FAULTS_HOST_DLL overrides).</summary>
    public static string HostDll { get; } = Environment.GetEnvironmentVariable("TP_FAULTS_HOST_DLL") is { Length: > 0 } dll
        ? dll
        : Metadata("TelemetryPipelineHostDll");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing: the test project's build target did not run.");
}

using System.Diagnostics;
using System.Text;

namespace TelemetryPipeline.Avro.Testing;

/// <summary>
/// Runs TestData/avro_interop.py with Debian's /usr/bin/python3 and python3-avro (Apache Avro's Python implementation,
/// the reference the C# codec is checked against). The python3 first on PATH may lack the avro module, hence the full path.
/// </summary>
internal static class PythonAvro
{
    public const string Interpreter = "/usr/bin/python3";

    public static string Script => Path.Combine(AppContext.BaseDirectory, "TestData", "avro_interop.py");

    /// <summary>Runs the script; throws with its stderr when it fails. Returns stdout.</summary>
    public static string Run(params string[] args)
    {
        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Interpreter}.");
        var stderrTask = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"avro_interop.py {string.Join(' ', args)} did not finish within 60 s.");
        }

        var stderr = stderrTask.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"avro_interop.py {string.Join(' ', args)} exited with {process.ExitCode}:\n{stderr}");
        }

        return stdout;
    }

    /// <summary>Non-empty output lines.</summary>
    public static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tp-avro-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory is harmless.
        }
    }
}

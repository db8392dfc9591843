using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace TelemetryPipeline.Faults.Tests.Support;

/// <summary>
/// The real host binary as a child process: <c>dotnet TelemetryPipeline.dll &lt;verb&gt; ...</c> with TP__ settings in its
/// environment (the test's own TP__ variables are not inherited). Output lines are kept (bounded) and can be awaited;
/// <see cref="Kill"/> is SIGKILL, as a crash or an OOM kill would be.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private const int MaxLines = 4000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lineCount;

    private HostProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Seconds since start, for logs.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts the host with <paramref name="arguments"/> and exactly <paramref name="settings"/> as TP__ variables.</summary>
    public static HostProcess Start(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> settings)
    {
        string dll = Repository.HostDll;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The host binary '{dll}' does not exist: build src/TelemetryPipeline (or set TP_FAULTS_HOST_DLL).");
        }

        var start = new ProcessStartInfo(DotnetExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("TP__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        // Plain single-line console logs, no colours; quick start-up.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["NO_COLOR"] = "1";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(process, name);
        process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The kept output (the last <see cref="MaxLines"/> lines).</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    /// <summary>The last <paramref name="count"/> lines, for assertion messages.</summary>
    public string Tail(int count = 40) => string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)));

    /// <summary>Waits until a line matching <paramref name="match"/> was printed (also one printed before the call).</summary>
    /// <returns>The line, or null when the process exited or the time ran out first.</returns>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        TaskCompletionSource<string> seen;
        lock (_gate)
        {
            foreach (string line in _lines)
            {
                if (match(line))
                {
                    return line;
                }
            }

            seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
        }

        using var cancel = new CancellationTokenSource(timeout);
        Task exited = _process.WaitForExitAsync(cancel.Token);
        Task finished = await Task.WhenAny(seen.Task, exited, Task.Delay(Timeout.Infinite, cancel.Token)).ConfigureAwait(false);
        if (finished == seen.Task)
        {
            return await seen.Task.ConfigureAwait(false);
        }

        // Exited: its last lines may still be in the pipe.
        if (finished == exited && exited.IsCompletedSuccessfully)
        {
            _process.WaitForExit();
            return _lines.FirstOrDefault(match);
        }

        return seen.Task.IsCompletedSuccessfully ? seen.Task.Result : null;
    }

    /// <summary>Waits for the exit (within <paramref name="timeout"/>) and returns the exit code; kills the process on timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            _process.WaitForExit();
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return null;
        }
    }

    /// <summary>SIGKILL: no shutdown, no commit, no LeaveGroup.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>SIGTERM (a clean stop request).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit(5000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>>? matched = null;
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (++_lineCount > MaxLines)
            {
                _lines.TryDequeue(out _);
            }

            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    (matched ??= []).Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (matched is not null)
        {
            foreach (TaskCompletionSource<string> seen in matched)
            {
                seen.TrySetResult(line);
            }
        }
    }

    private static string DotnetExecutable()
    {
        // Set by the dotnet CLI for the processes it starts (the test host among them).
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return "dotnet";
    }
}

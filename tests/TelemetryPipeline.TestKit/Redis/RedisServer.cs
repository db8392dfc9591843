using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TelemetryPipeline.TestKit;

/// <summary>
/// A throwaway <c>redis-server</c> on a free 127.0.0.1 port, in a temporary directory, for tests and the demo.
/// Disposing stops it and deletes the directory. <see cref="RestartAsync"/> keeps the port and the directory, so with
/// <c>appendOnly</c> the data survives; <see cref="KillAsync"/> simulates a crash (SIGKILL, no shutdown).
/// Deliberately raw process and socket code: the test kit depends on nothing but the domain.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>How long a start may take before it counts as failed.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private const string Executable = "redis-server";
    private const int MaxOutputLines = 50;

    private readonly bool _appendOnly;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly Queue<string> _output = new();
    private Process? _process;

    private RedisServer(string directory, int port, bool appendOnly, IReadOnlyList<string> extraArguments)
    {
        Directory = directory;
        Port = port;
        _appendOnly = appendOnly;
        _extraArguments = extraArguments;
    }

    /// <summary><c>127.0.0.1:port</c>, the form RedisOptions.Endpoint takes.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public int Port { get; private set; }

    /// <summary>The server's working directory (AOF files live here).</summary>
    public string Directory { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server and waits until it answers PING.</summary>
    /// <param name="appendOnly">Persist every write to an append-only file in <see cref="Directory"/> (survives restarts).</param>
    /// <param name="extraArguments">More <c>redis-server</c> arguments, e.g. <c>["--maxmemory", "100mb"]</c>.</param>
    /// <exception cref="InvalidOperationException">redis-server is not installed or did not start (the message says why).</exception>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, IReadOnlyList<string>? extraArguments = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "tp-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(directory, 0, appendOnly, extraArguments ?? []);
        try
        {
            // A free port can be taken by someone else between probing and binding; try a few.
            for (int attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                try
                {
                    await server.LaunchAsync().ConfigureAwait(false);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.OutputMentions("Address already in use"))
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server cleanly (SHUTDOWN, which flushes the AOF) and starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await LaunchAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the server with SIGKILL, as a crash would; <see cref="RestartAsync"/> brings it back.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().ConfigureAwait(false);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Stops the server cleanly; <see cref="RestartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            await KillAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await SendAsync(Port, "SHUTDOWN", TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // SHUTDOWN closes the connection without a reply.
        }
        catch (SocketException)
        {
        }
        catch (TimeoutException)
        {
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Did not stop in time: no more politeness.
        }

        await KillAsync().ConfigureAwait(false);
    }

    /// <summary>Sends one inline command (e.g. <c>FLUSHALL</c>, <c>INFO memory</c>) and returns its reply as text, for test setup.</summary>
    public Task<string> CommandAsync(string inlineCommand) => SendAsync(Port, inlineCommand, TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (string argument in (string[])[
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", _appendOnly ? "yes" : "no",
            "--dir", Directory,
            "--daemonize", "no",
            "--protected-mode", "no",

            // DEBUG SLEEP / DEBUG RELOAD let tests stall or reload the server on purpose (loopback clients only).
            "--enable-debug-command", "local",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        lock (_output)
        {
            _output.Clear();
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null for redis-server.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "redis-server is not installed or not on PATH (install it with: apt-get install redis-server).", ex);
        }

        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync().ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"redis-server exited with code {process.ExitCode} while starting on port {Port}. Output:\n{Output()}");
            }

            try
            {
                if (await SendAsync(Port, "PING", TimeSpan.FromSeconds(1)).ConfigureAwait(false) == "PONG")
                {
                    // Another process may own the port (ours then fails to bind and exits): make sure it is ours.
                    string info = await SendAsync(Port, "INFO server", TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                    if (info.Contains(string.Create(CultureInfo.InvariantCulture, $"process_id:{process.Id}\r\n"), StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > StartTimeout)
            {
                await KillAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within {StartTimeout}. Output:\n{Output()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > MaxOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private bool OutputMentions(string text) => Output().Contains(text, StringComparison.OrdinalIgnoreCase);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Sends an inline command and returns the reply: the text of a simple string, error (with its '-') or integer, the
    /// content of a bulk string, or the header line of an array (enough for PING, INFO, SHUTDOWN and simple setup).
    /// </summary>
    private static async Task<string> SendAsync(int port, string inlineCommand, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token).ConfigureAwait(false);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(inlineCommand + "\r\n"), cancel.Token).ConfigureAwait(false);
            var reader = new BufferedStream(stream);
            string line = await ReadLineAsync(reader, cancel.Token).ConfigureAwait(false);
            if (line.Length == 0)
            {
                return line;
            }

            switch (line[0])
            {
                case '+':
                case ':':
                    return line[1..];
                case '$':
                    int length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return string.Empty;
                    }

                    byte[] content = new byte[length + 2];
                    await reader.ReadExactlyAsync(content, cancel.Token).ConfigureAwait(false);
                    return Encoding.UTF8.GetString(content, 0, length);
                default:
                    return line;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No reply to {inlineCommand} from 127.0.0.1:{port} within {timeout}.");
        }
        catch (EndOfStreamException ex)
        {
            throw new IOException("connection closed before a reply", ex);
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            int read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("connection closed before a reply");
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }
}

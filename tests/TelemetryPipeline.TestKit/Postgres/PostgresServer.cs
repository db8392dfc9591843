using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace TelemetryPipeline.TestKit;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for integration tests: <c>initdb</c> in a temporary directory, started with
/// <c>pg_ctl</c> on a free 127.0.0.1 port (trust auth for loopback only, <c>fsync=off</c>), one database per test.
/// PostgreSQL refuses to run as root, so when the tests run as root the binaries run as the <c>postgres</c> system
/// user through <c>runuser</c> on a directory that user owns; otherwise they run directly.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Where Debian's postgresql-15 puts its server binaries; override with TP_PG_BIN.</summary>
    public const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";

    private const string SystemUser = "postgres";
    private const int StartAttempts = 3;
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);
    private static int s_databaseCounter;

    private readonly string _binDirectory;
    private readonly bool _asSystemUser;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _running;
    private bool _disposed;

    private PostgresServer(string binDirectory, bool asSystemUser, string rootDirectory)
    {
        _binDirectory = binDirectory;
        _asSystemUser = asSystemUser;
        RootDirectory = rootDirectory;
        DataDirectory = Path.Combine(rootDirectory, "data");
        LogFile = Path.Combine(rootDirectory, "postgres.log");
    }

    /// <summary>The temporary directory holding the data directory, the log and the Unix socket; deleted on dispose.</summary>
    public string RootDirectory { get; }

    public string DataDirectory { get; }

    /// <summary>The server log (read it when a test fails for a reason that looks like the server's).</summary>
    public string LogFile { get; }

    /// <summary>The loopback port; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    public bool IsRunning => _running;

    /// <summary>
    /// Creates and starts a new cluster. Throws <see cref="InvalidOperationException"/> naming
    /// <c>apt-get install postgresql</c> when the binaries are missing, and with the server log when it fails to start.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        string bin = Environment.GetEnvironmentVariable("TP_PG_BIN") is { Length: > 0 } custom ? custom : DefaultBinDirectory;
        if (!File.Exists(Path.Combine(bin, "initdb")) || !File.Exists(Path.Combine(bin, "pg_ctl")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 server binaries were not found in '{bin}' (initdb, pg_ctl). Install them with " +
                "`apt-get install postgresql` (Debian 12 ships PostgreSQL 15), or point TP_PG_BIN at a bin directory that has them.");
        }

        bool asSystemUser = Environment.IsPrivilegedProcess;
        // The postgres user must be able to reach the directory, so as root stay out of root's private TMPDIR;
        // /tmp also keeps the Unix socket path well under its 107-byte limit.
        string parent = asSystemUser ? "/tmp" : Path.GetTempPath();
        string root = Path.Combine(parent, "tp-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);

        var server = new PostgresServer(bin, asSystemUser, root);
        try
        {
            if (asSystemUser)
            {
                await RunAsync("chown", [$"{SystemUser}:{SystemUser}", root], asUser: null, ct).ConfigureAwait(false);
            }

            await server.InitDbAsync(ct).ConfigureAwait(false);
            await server.StartOnFreePortAsync(ct).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A TCP connection string for <paramref name="database"/> as the <c>postgres</c> superuser (trust auth, no password).</summary>
    public string ConnectionString(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SystemUser,
            Database = database,
            Timeout = 10,
            IncludeErrorDetail = true,
        };
        return builder.ConnectionString;
    }

    /// <summary>
    /// Creates a database with a unique name starting with a sanitized <paramref name="prefix"/> and returns the name:
    /// empty, or a copy of <paramref name="template"/> (e.g. a database migrated once per test run; nobody may be
    /// connected to it while it is copied, so use unpooled connections on it).
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix, string? template = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string name = UniqueDatabaseName(prefix);
        string sql = template is null
            ? $"CREATE DATABASE \"{name}\""
            : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Stops the server the hard way (<c>pg_ctl stop -m immediate</c>, like a crash: clients see their connections
    /// break) if it runs, then starts it again on the same port and data directory.
    /// </summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_running)
            {
                await PgCtlStopAsync(ct).ConfigureAwait(false);
            }

            await PgCtlStartAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server (<c>-m immediate</c>) and keeps the data directory, so <see cref="RestartAsync"/> can bring it back.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_running)
            {
                await PgCtlStopAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server if it runs and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_running)
            {
                try
                {
                    await PgCtlStopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // Already gone (killed from outside): nothing left to stop, the directory still goes.
                    _running = false;
                }
            }

            try
            {
                Directory.Delete(RootDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover directory in /tmp must not fail a test run.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        finally
        {
            _lifecycle.Release();
            _lifecycle.Dispose();
        }
    }

    private static string UniqueDatabaseName(string prefix)
    {
        var sb = new StringBuilder(63);
        foreach (char c in prefix ?? string.Empty)
        {
            if (sb.Length == 40)
            {
                break;
            }

            char lower = char.ToLowerInvariant(c);
            sb.Append(lower is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? lower : '_');
        }

        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, "db_");
        }

        int n = Interlocked.Increment(ref s_databaseCounter);
        sb.Append(CultureInfo.InvariantCulture, $"_{n}_{Guid.NewGuid().ToString("N")[..6]}");
        return sb.ToString();
    }

    private string AdminConnectionString()
    {
        // Unpooled: a pooled admin connection would be dead after a restart and fail the next CREATE DATABASE.
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false };
        return builder.ConnectionString;
    }

    private async Task InitDbAsync(CancellationToken ct)
    {
        await RunBinaryAsync(
            "initdb",
            ["-D", DataDirectory, "-U", SystemUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            ct).ConfigureAwait(false);

        // Trust, but only over the Unix socket in our private directory and 127.0.0.1.
        const string Hba = "local all all trust\nhost all all 127.0.0.1/32 trust\n";
        string hbaPath = Path.Combine(DataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(hbaPath, Hba, ct).ConfigureAwait(false);
    }

    private async Task StartOnFreePortAsync(CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            try
            {
                await PgCtlStartAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
                // Most likely someone took the port between probing and binding: try another one.
            }
        }
    }

    private async Task PgCtlStartAsync(CancellationToken ct)
    {
        string serverOptions = string.Create(
            CultureInfo.InvariantCulture,
            $"-k '{RootDirectory}' -p {Port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200");
        // synchronous_commit stays on: RestartAsync is a crash, and tests check that committed work survives it.
        try
        {
            await RunBinaryAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"], ct)
                .ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n--- server log ({LogFile}) ---\n{ReadLogTail()}", ex);
        }

        _running = true;
    }

    private async Task PgCtlStopAsync(CancellationToken ct)
    {
        await RunBinaryAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], ct).ConfigureAwait(false);
        _running = false;
    }

    private string ReadLogTail()
    {
        try
        {
            string text = File.ReadAllText(LogFile);
            return text.Length <= 4000 ? text : text[^4000..];
        }
        catch (IOException)
        {
            return "(no log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(log not readable)";
        }
    }

    private Task RunBinaryAsync(string binary, IReadOnlyList<string> arguments, CancellationToken ct) =>
        RunAsync(Path.Combine(_binDirectory, binary), arguments, _asSystemUser ? SystemUser : null, ct);

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string? asUser, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is null)
        {
            psi.FileName = fileName;
        }
        else
        {
            psi.FileName = "runuser";
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(asUser);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(fileName);
        }

        foreach (string argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not start '{psi.FileName}': {ex.Message}", ex);
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync(ct);
        Task<string> stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(s_commandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string output = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            string shown = string.Join(' ', psi.ArgumentList.Prepend(psi.FileName));
            throw new InvalidOperationException($"'{shown}' exited with code {process.ExitCode}: {output.Trim()}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // A test run that ends without disposing the fixture must not leave a postmaster behind.
        if (_running)
        {
            try
            {
                PgCtlStopAsync(CancellationToken.None).GetAwaiter().GetResult();
                Directory.Delete(RootDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Kafka;

namespace TelemetryPipeline.Perf.Load;

/// <summary>The Kafka mock cluster of a load run, in this process or in a child process (see <see cref="BrokerMode"/>).</summary>
internal abstract class BrokerHost : IAsyncDisposable
{
    public abstract string BootstrapServers { get; }

    /// <summary>CPU seconds the broker has used so far (child process only; null in process).</summary>
    public abstract double? CpuSeconds { get; }

    /// <summary>Starts a mock cluster and creates <paramref name="topics"/> with <paramref name="partitions"/> partitions each.</summary>
    public static async Task<BrokerHost> StartAsync(BrokerMode mode, IReadOnlyList<string> topics, int partitions, CancellationToken cancellationToken)
    {
        if (mode == BrokerMode.InProcess)
        {
            KafkaNative.EnsureLoaded();
            MockCluster cluster = MockCluster.Start();
            foreach (string topic in topics)
            {
                cluster.CreateTopic(topic, partitions);
            }

            return new InProcessBroker(cluster);
        }

        var arguments = new List<string> { "broker", "--partitions", partitions.ToString(CultureInfo.InvariantCulture), "--topics", string.Join(',', topics) };
        ChildProcess child = ChildProcess.StartSelf(arguments);
        string line = await child.ReadLineStartingAsync(ChildBrokerCommand.ReadyPrefix, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return new ChildBroker(child, line[ChildBrokerCommand.ReadyPrefix.Length..].Trim());
    }

    public abstract ValueTask DisposeAsync();

    private sealed class InProcessBroker(MockCluster cluster) : BrokerHost
    {
        public override string BootstrapServers => cluster.BootstrapServers;

        public override double? CpuSeconds => null;

        public override ValueTask DisposeAsync()
        {
            cluster.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ChildBroker(ChildProcess child, string bootstrap) : BrokerHost
    {
        public override string BootstrapServers => bootstrap;

        public override double? CpuSeconds => child.CpuSeconds;

        public override ValueTask DisposeAsync() => child.DisposeAsync();
    }
}

/// <summary>
/// The hidden <c>broker</c> sub-command run in the child process: starts the mock cluster, creates the topics, prints
/// <see cref="ReadyPrefix"/> and the bootstrap servers, and runs until its standard input closes (the parent exited).
/// </summary>
internal static class ChildBrokerCommand
{
    public const string ReadyPrefix = "BROKER-READY ";

    public static int Run(int partitions, IReadOnlyList<string> topics)
    {
        KafkaNative.EnsureLoaded();
        using MockCluster cluster = MockCluster.Start();
        foreach (string topic in topics)
        {
            cluster.CreateTopic(topic, partitions);
        }

        Console.Out.WriteLine(ReadyPrefix + cluster.BootstrapServers);
        Console.Out.Flush();

        // The parent holds our stdin open for as long as it needs the broker; EOF (or a parent that died) ends it.
        while (Console.In.ReadLine() is not null)
        {
        }

        return 0;
    }
}

/// <summary>This program started again as a child process, with line-based standard input and output.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public double? CpuSeconds
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? null : _process.TotalProcessorTime.TotalSeconds;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Starts <c>TelemetryPipeline.Perf</c> (apphost, or <c>dotnet TelemetryPipeline.Perf.dll</c>) with <paramref name="arguments"/>.</summary>
    public static ChildProcess StartSelf(IReadOnlyList<string> arguments)
    {
        string assembly = typeof(ChildProcess).Assembly.Location;
        string apphost = Path.Combine(Path.GetDirectoryName(assembly)!, Path.GetFileNameWithoutExtension(assembly));
        ProcessStartInfo start;
        if (File.Exists(apphost))
        {
            start = new ProcessStartInfo(apphost);
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(assembly);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = false;
        start.UseShellExecute = false;
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        return new ChildProcess(process);
    }

    /// <summary>Reads standard output until a line starts with <paramref name="prefix"/>; other lines are echoed.</summary>
    public async Task<string> ReadLineStartingAsync(string prefix, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The child process did not print '{prefix.Trim()}' within {timeout.TotalSeconds:0} s.");
            }

            if (line is null)
            {
                throw new InvalidOperationException($"The child process exited (code {(_process.HasExited ? _process.ExitCode : -1)}) before printing '{prefix.Trim()}'.");
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }

            Console.WriteLine("  [child] " + line);
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TelemetryPipeline.Faults.Tests.Support;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// Redis not there at all when <c>run</c> starts. Outside the "faults" collection on purpose: it mostly waits through the
/// host's backoff, so it runs beside the busy tests instead of after them.
/// </summary>
public sealed partial class RedisUnreachableTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_RedisUnreachableAtStart_RetriesWithGrowingDelaysThenExitsWithAClearError()
    {
        int closedPort = ClosedPort();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Nothing listens on either port: Redis is checked first, before Kafka is contacted.
            ["TP__Kafka__BootstrapServers"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ClosedPort()}"),
            ["TP__Redis__Endpoint"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{closedPort}"),
            ["TP__Ledger__ConnectionString"] = string.Empty,
        };
        var clock = Stopwatch.StartNew();
        await using HostProcess host = HostProcess.Start("run", ["run"], settings);
        int? exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));
        clock.Stop();

        exit.Should().Be(2, $"a dependency that never comes is a start-up error (exit 2), not a crash; output:\n{host.Tail()}");
        string error = host.Lines.Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        error.Should().Contain("Redis").And.Contain("Redis:Endpoint").And.Contain(closedPort.ToString(CultureInfo.InvariantCulture));
        host.Lines.Should().NotContain(l => l.Contains("Unhandled exception", StringComparison.Ordinal), "no stack trace for an expected condition");

        // Backoff, not a tight loop: each wait at least as long as the one before, and few attempts in all.
        List<double> delays = [.. host.Lines.Select(l => RetryDelay().Match(l)).Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
        output.WriteLine($"exit {exit} after {clock.Elapsed.TotalSeconds:0.0} s; retry delays: {string.Join(", ", delays)} s; {error}");
        delays.Should().HaveCountGreaterThanOrEqualTo(3).And.HaveCountLessThan(30);
        delays.Should().BeInAscendingOrder();
        delays[^1].Should().BeGreaterThan(delays[0] * 4);
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(10), "it keeps trying for a while before giving up");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"retrying in ([0-9.]+) s")]
    private static partial Regex RetryDelay();
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TelemetryPipeline.Faults.Tests.Support;
using TelemetryPipeline.TestKit;
using TelemetryPipeline.Web;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// The full <c>run</c> (ledger configured, web UI on): what the orchestrator's probes see when Redis goes away and comes
/// back, and that SIGTERM stops it cleanly. Readiness must follow Redis; liveness must not (no restart loop).
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ReadinessTests(FaultsFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Run_RedisDownAndBack_ReadinessFollowsLivenessStaysAndSigtermExitsCleanly()
    {
        await using RedisServer redis = await RedisServer.StartAsync(appendOnly: true);
        FaultScope scope = fixture.NewScope(partitions: 2, redis);
        PostgresServer postgres = await fixture.PostgresAsync();
        string database = await postgres.CreateDatabaseAsync("readiness");
        string users = Path.GetTempFileName();
        int port = FreePort();
        try
        {
            await File.WriteAllTextAsync(users, $$"""{"users": [{"name": "ops", "role": "admin", "hash": "{{WebUsers.HashToken("faults-test-token")}}"}]}""");
            Dictionary<string, string> settings = scope.RunSettings(new Dictionary<string, string>
            {
                ["TP__Ledger__ConnectionString"] = postgres.ConnectionString(database),
                ["TP__Web__Urls"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
                ["TP__Web__UsersFile"] = users,
                ["TP__Web__HealthCheckTimeoutMs"] = "1000",
                ["TP__Run__SettlementCadence"] = "00:00:00",
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await using HostProcess host = HostProcess.Start("run", ["run"], settings);

            (await WaitForStatusAsync(http, host, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90)))
                .Should().BeTrue($"ready once Kafka, Redis and PostgreSQL answer;\n{host.Tail()}");
            output.WriteLine($"ready after {host.Elapsed.TotalSeconds:0.0} s");

            await redis.StopAsync();
            (await WaitForStatusAsync(http, host, "/health/ready", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20)))
                .Should().BeTrue($"not ready while Redis is down;\n{host.Tail()}");
            (await StatusAsync(http, "/health/live")).Should().Be(HttpStatusCode.OK, "alive: a dependency outage must not get the process restarted");
            using (HttpResponseMessage notReady = await http.GetAsync("/health/ready"))
            {
                output.WriteLine($"Redis down: /health/ready {(int)notReady.StatusCode} {await notReady.Content.ReadAsStringAsync()}");
            }

            await redis.RestartAsync();
            (await WaitForStatusAsync(http, host, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(30)))
                .Should().BeTrue($"ready again once Redis is back;\n{host.Tail()}");
            host.HasExited.Should().BeFalse();

            host.Terminate();
            int? exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(45));
            exit.Should().Be(0, $"SIGTERM is a clean stop;\n{host.Tail()}");
        }
        finally
        {
            File.Delete(users);
        }
    }

    private static async Task<bool> WaitForStatusAsync(HttpClient http, HostProcess host, string path, HttpStatusCode wanted, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !host.HasExited)
        {
            if (await StatusAsync(http, path) == wanted)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

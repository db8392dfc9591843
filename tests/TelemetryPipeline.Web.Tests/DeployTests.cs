using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

/// <summary>deploy/prometheus.yml and the Grafana dashboard: valid for promtool, and naming metrics the app really exposes.</summary>
[Collection(WebCollection.Name)]
public sealed partial class DeployTests(WebFixture fixture)
{
    private static readonly string s_deploy = Path.Combine(RepositoryRoot(), "deploy");

    [Fact]
    public void Dashboard_HasTheRequiredPanels()
    {
        string[] expressions = Expressions();

        expressions.Should().Contain(e => e.Contains("rate(tp_events_consumed_total", StringComparison.Ordinal), "throughput");
        expressions.Should().Contain(e => e.Contains("tp_consumer_lag", StringComparison.Ordinal), "lag");
        expressions.Should().Contain(e => e.StartsWith("histogram_quantile(0.99", StringComparison.Ordinal) && e.Contains("tp_batch_duration_seconds_bucket", StringComparison.Ordinal), "p99 batch latency");
        expressions.Should().Contain(e => e.StartsWith("1000 * sum(rate(tp_redis_calls_total", StringComparison.Ordinal) && e.Contains("/ sum(rate(tp_events_consumed_total", StringComparison.Ordinal), "Redis calls per 1,000 events");
        expressions.Should().Contain(e => e.StartsWith("sum by (reason) (rate(tp_events_rejected_total", StringComparison.Ordinal), "DLQ rate by reason");
    }

    [PromtoolFact]
    public async Task Dashboard_EveryExpressionParsesAsPromQL()
    {
        // promtool has no "check expression": recording rules are the closest thing that parses PromQL offline.
        string rules = Path.Combine(Path.GetTempPath(), $"tp-dashboard-{Guid.NewGuid():N}.rules.yml");
        string[] expressions = Expressions();
        var yaml = new System.Text.StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < expressions.Length; i++)
        {
            string expr = expressions[i].Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal);
            yaml.Append("      - record: dashboard:expr").Append(i).Append('\n').Append("        expr: '").Append(expr.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }

        await File.WriteAllTextAsync(rules, yaml.ToString());
        try
        {
            (int exitCode, string output) = await RunPromtoolAsync("check", "rules", rules);
            exitCode.Should().Be(0, output);
        }
        finally
        {
            File.Delete(rules);
        }
    }

    [Fact]
    public async Task Dashboard_EveryMetricItNamesIsExposedOnMetrics()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);
        string exposition = await client.GetStringAsync("/metrics");
        var exposed = new HashSet<string>(
            exposition.Split('\n').Where(static l => l.Length > 0 && l[0] != '#').Select(static l => l.Split('{', ' ')[0]),
            StringComparer.Ordinal);

        string[] names = [.. Expressions().SelectMany(static e => MetricName().Matches(e).Select(static m => m.Value)).Distinct()];

        names.Should().NotBeEmpty();
        names.Where(n => !exposed.Contains(n)).Should().BeEmpty("a dashboard panel on a metric that does not exist stays empty forever");
    }

    [PromtoolFact]
    public async Task PrometheusConfig_IsValid()
    {
        (int exitCode, string output) = await RunPromtoolAsync("check", "config", Path.Combine(s_deploy, "prometheus.yml"));

        exitCode.Should().Be(0, output);
    }

    [Fact]
    public void Provisioning_PointsAtTheDashboardFolderAndDatasourceUid()
    {
        string dashboards = File.ReadAllText(Path.Combine(s_deploy, "grafana", "provisioning", "dashboards", "telemetry-pipeline.yml"));
        string datasources = File.ReadAllText(Path.Combine(s_deploy, "grafana", "provisioning", "datasources", "prometheus.yml"));
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_deploy, "grafana", "dashboards", "telemetry-pipeline.json")));

        dashboards.Should().Contain("path: /var/lib/grafana/dashboards");
        datasources.Should().Contain("uid: telemetry-prometheus");
        dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(static p => p.GetProperty("type").GetString() != "row")
            .Should().OnlyContain(static p => p.GetProperty("datasource").GetProperty("uid").GetString() == "telemetry-prometheus");
    }

    private static string[] Expressions()
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_deploy, "grafana", "dashboards", "telemetry-pipeline.json")));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(static p => p.TryGetProperty("targets", out _))
            .SelectMany(static p => p.GetProperty("targets").EnumerateArray())
            .Select(static t => t.GetProperty("expr").GetString()!)];
    }

    private static async Task<(int ExitCode, string Output)> RunPromtoolAsync(params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(Promtool.Path, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static string RepositoryRoot([CallerFilePath] string source = "")
    {
        DirectoryInfo? directory = new FileInfo(source).Directory;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TelemetryPipeline.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("TelemetryPipeline.sln not found above " + source);
    }

    [GeneratedRegex("\\b(?:tp|process|dotnet|ledger)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}

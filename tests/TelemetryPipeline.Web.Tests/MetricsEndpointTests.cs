using System.Net;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class MetricsEndpointTests(WebFixture fixture)
{
    [PromtoolFact]
    public async Task Metrics_Scrape_PassesPromtoolCheckMetrics()
    {
        // An approval first, so the ledger's instruments (names with dots) are in the exposition too.
        string id = await fixture.StagePendingAsync("metrics");
        using HttpClient client = fixture.Client(WebFixture.ViewerName);
        using HttpClient approver = fixture.Client(WebFixture.ApproverName);
        (await approver.PostAsync($"/api/allocations/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        using HttpResponseMessage response = await client.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();
        (int exitCode, string output) = await Promtool.CheckMetricsAsync(text);

        exitCode.Should().Be(0, output);
        output.Should().BeEmpty("promtool reports lint problems on stdout");
        text.Should().Contain("ledger_transitions_total{");
    }

    [Fact]
    public async Task Metrics_Scrape_ExposesIngestInstrumentsProcessAndGc()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; version=0.0.4; charset=utf-8");
        text.Should().Contain("# TYPE tp_events_consumed_total counter\n");
        text.Should().Contain("# HELP tp_events_consumed_total Records consumed from the telemetry topics.\n");
        text.Should().Contain("tp_events_rejected_total{reason=\"undecodable\"} 12\n");
        text.Should().Contain("# TYPE tp_consumer_lag gauge\n");
        text.Should().MatchRegex("tp_consumer_lag\\{partition=\"0\",topic=\"equipment.usage\"\\} \\d+\n");
        text.Should().Contain("# TYPE tp_batch_duration_seconds histogram\n");
        text.Should().Contain("tp_batch_duration_seconds_bucket{le=\"0.005\"} ");
        text.Should().Contain("tp_batch_duration_seconds_bucket{le=\"+Inf\"} ");
        text.Should().Contain("tp_batch_duration_seconds_sum ");
        text.Should().Contain("tp_batch_duration_seconds_count ");
        text.Should().Contain("process_cpu_seconds_total ");
        text.Should().Contain("process_resident_memory_bytes ");
        text.Should().Contain("dotnet_gc_collections_total{generation=\"gen0\"} ");
        text.Should().Contain("dotnet_gc_heap_bytes ");
    }
}

using System.Diagnostics.Metrics;
using TelemetryPipeline.Web.Metrics;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

/// <summary>The exporter on its own: each test listens only to meters with its own unique prefix.</summary>
public sealed class ExporterTests : IDisposable
{
    private readonly string _prefix = "ExporterTests." + Guid.NewGuid().ToString("N");
    private readonly List<Meter> _meters = [];
    private readonly PrometheusExporter _exporter;

    public ExporterTests() => _exporter = new PrometheusExporter(_prefix, includeProcessMetrics: false);

    [Fact]
    public void Scrape_Counter_IsExposedWithTotalSuffixHelpAndType()
    {
        Meter meter = NewMeter();
        Counter<long> counter = meter.CreateCounter<long>("tp_events_consumed", description: "Records consumed.");
        counter.Add(5);
        counter.Add(7);

        string text = _exporter.Scrape();

        text.Should().Be("# HELP tp_events_consumed_total Records consumed.\n# TYPE tp_events_consumed_total counter\ntp_events_consumed_total 12\n");
    }

    [Fact]
    public void Scrape_CounterAlreadyEndingInTotal_IsNotDoubled()
    {
        NewMeter().CreateCounter<long>("requests_total").Add(1);

        _exporter.Scrape().Should().Contain("requests_total 1\n").And.NotContain("requests_total_total");
    }

    [Fact]
    public void Scrape_DottedNames_AreSanitized()
    {
        NewMeter().CreateCounter<long>("ledger.allocations.staged").Add(3);

        _exporter.Scrape().Should().Contain("ledger_allocations_staged_total 3\n");
    }

    [Fact]
    public void Scrape_LabelValues_AreEscaped()
    {
        Counter<long> counter = NewMeter().CreateCounter<long>("odd", description: "Help with \\ and\nnewline.");
        counter.Add(1, new KeyValuePair<string, object?>("reason", "quote \" back \\ line\nend"), new KeyValuePair<string, object?>("bad.key", 4));

        string text = _exporter.Scrape();

        text.Should().Contain("# HELP odd_total Help with \\\\ and\\nnewline.\n");
        text.Should().Contain("odd_total{bad_key=\"4\",reason=\"quote \\\" back \\\\ line\\nend\"} 1\n");
    }

    [Fact]
    public void Scrape_Histogram_HasCumulativeBucketsInfSumAndCount()
    {
        Histogram<double> histogram = NewMeter().CreateHistogram<double>(
            "tp_batch_duration_seconds", "s", "Batch duration.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 1] });
        histogram.Record(0.0625);
        histogram.Record(0.125);
        histogram.Record(0.5);
        histogram.Record(3);

        string text = _exporter.Scrape();

        text.Should().Contain(
            "# TYPE tp_batch_duration_seconds histogram\n"
            + "tp_batch_duration_seconds_bucket{le=\"0.125\"} 2\n"
            + "tp_batch_duration_seconds_bucket{le=\"1\"} 3\n"
            + "tp_batch_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            + "tp_batch_duration_seconds_sum 3.6875\n"
            + "tp_batch_duration_seconds_count 4\n");
    }

    [Fact]
    public void Scrape_HistogramWithoutAdvice_UsesDefaultBoundaries()
    {
        NewMeter().CreateHistogram<int>("sizes").Record(42);

        string text = _exporter.Scrape();

        text.Should().Contain("sizes_bucket{le=\"0\"} 0\n").And.Contain("sizes_bucket{le=\"50\"} 1\n").And.Contain("sizes_bucket{le=\"10000\"} 1\n");
    }

    [Fact]
    public void Scrape_GaugesAndUpDownCounters_AreGauges()
    {
        Meter meter = NewMeter();
        UpDownCounter<int> inFlight = meter.CreateUpDownCounter<int>("in_flight");
        inFlight.Add(5);
        inFlight.Add(-2);
        Gauge<double> temperature = meter.CreateGauge<double>("temperature");
        temperature.Record(20.5);
        temperature.Record(21.25);

        string text = _exporter.Scrape();

        text.Should().Contain("# TYPE in_flight gauge\nin_flight 3\n");
        text.Should().Contain("# TYPE temperature gauge\ntemperature 21.25\n");
    }

    [Fact]
    public void Scrape_ObservableGauge_OnlyCurrentSeries()
    {
        var partitions = new List<int> { 0, 1 };
        NewMeter().CreateObservableGauge("tp_consumer_lag", () => partitions.Select(p => new Measurement<long>(p * 10, new KeyValuePair<string, object?>("partition", p))));

        string first = _exporter.Scrape();
        partitions.Remove(0);
        string second = _exporter.Scrape();

        first.Should().Contain("tp_consumer_lag{partition=\"0\"} 0\n").And.Contain("tp_consumer_lag{partition=\"1\"} 10\n");
        second.Should().NotContain("partition=\"0\"").And.Contain("tp_consumer_lag{partition=\"1\"} 10\n");
    }

    [Fact]
    public void Scrape_ObservableCounter_ReportsTheObservedTotal()
    {
        long total = 10;
        NewMeter().CreateObservableCounter("observed", () => total);

        _exporter.Scrape().Should().Contain("observed_total 10\n");
        total = 25;
        _exporter.Scrape().Should().Contain("observed_total 25\n");
    }

    [Fact]
    public void Collect_ThrowingCallback_OtherInstrumentsStillReportedAndCounted()
    {
        Meter meter = NewMeter();
        meter.CreateObservableGauge<long>("broken", (Func<long>)(() => throw new InvalidOperationException("device gone")));
        meter.CreateObservableGauge("working", () => 7L);
        using var exporter = new PrometheusExporter(_prefix, includeProcessMetrics: true);

        MetricsSnapshot snapshot = exporter.Collect();

        snapshot.Total("working").Should().Be(7);
        snapshot.Find("broken")!.Series.Should().BeEmpty();
        snapshot.Total("tp_metrics_callback_errors").Should().Be(1);
    }

    [Fact]
    public void Scrape_SameInstrumentInTwoMeters_IsOneFamily()
    {
        NewMeter().CreateCounter<long>("tp_batches").Add(2);
        NewMeter().CreateCounter<long>("tp_batches").Add(3);

        string text = _exporter.Scrape();

        text.Split('\n').Count(static l => l.StartsWith("# TYPE tp_batches_total", StringComparison.Ordinal)).Should().Be(1);
        text.Should().Contain("tp_batches_total 5\n");
    }

    [Fact]
    public void Scrape_OtherMeters_AreIgnored()
    {
        using var other = new Meter("Unrelated." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<long>("not_mine").Add(1);

        _exporter.Scrape().Should().NotContain("not_mine");
    }

    [Fact]
    public void Scrape_ConcurrentAdds_LoseNothing()
    {
        Counter<long> counter = NewMeter().CreateCounter<long>("concurrent");
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Add(1);
            }
        });

        _exporter.Scrape().Should().Contain("concurrent_total 80000\n");
    }

    [Fact]
    public void Collect_WithProcessMetrics_HasCpuMemoryAndGc()
    {
        using var exporter = new PrometheusExporter(_prefix, includeProcessMetrics: true);

        MetricsSnapshot snapshot = exporter.Collect();

        snapshot.Find("process_cpu_seconds")!.Kind.Should().Be(MetricKind.Counter);
        snapshot.Total("process_resident_memory_bytes").Should().BeGreaterThan(0);
        snapshot.Find("dotnet_gc_collections")!.Series.Should().HaveCount(3);
        snapshot.Total("dotnet_gc_heap_bytes").Should().BeGreaterThan(0);
    }

    [PromtoolFact]
    public async Task Scrape_EveryKindWithAwkwardLabels_PassesPromtool()
    {
        Meter meter = NewMeter();
        meter.CreateCounter<long>("tp_events_rejected", "{event}", "Rejected records, by reason.")
            .Add(3, new KeyValuePair<string, object?>("reason", "a \"quoted\" \\ reason\nwith newline"));
        meter.CreateCounter<double>("ledger.retries", description: "Retries.").Add(1.5);
        meter.CreateHistogram<double>("tp_redis_apply_duration_seconds", "s", "Redis call duration.").Record(0.003);
        meter.CreateHistogram<int>("tp_batch_size", description: "Records per batch.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100] })
            .Record(50, new KeyValuePair<string, object?>("le", "user-tag-named-le"));
        meter.CreateObservableGauge("tp_consumer_lag", () => new Measurement<long>(4, new KeyValuePair<string, object?>("topic", "t"), new KeyValuePair<string, object?>("partition", 0)), description: "Lag.");
        meter.CreateUpDownCounter<long>("tp_in_flight", description: "In flight.").Add(2);
        using var exporter = new PrometheusExporter(_prefix, includeProcessMetrics: true);

        string text = exporter.Scrape();
        (int exitCode, string output) = await Promtool.CheckMetricsAsync(text);

        exitCode.Should().Be(0, output + "\n" + text);
        output.Should().BeEmpty(text);
    }

    [Fact]
    public void Quantile_LinearWithinBucket_LikeHistogramQuantile()
    {
        var data = new HistogramData([1, 2, 4], [10, 10, 0, 0], 25);

        data.Count.Should().Be(20);
        data.Quantile(0.5).Should().BeApproximately(1.0, 1e-9);
        data.Quantile(0.75).Should().BeApproximately(1.5, 1e-9);
        data.Quantile(0.25).Should().BeApproximately(0.5, 1e-9);
        new HistogramData([1], [0, 0], 0).Quantile(0.5).Should().Be(double.NaN);
        new HistogramData([1, 2], [0, 0, 3], 9).Quantile(0.99).Should().Be(2, "ranks in +Inf report the highest finite bound");
    }

    public void Dispose()
    {
        _exporter.Dispose();
        foreach (Meter meter in _meters)
        {
            meter.Dispose();
        }
    }

    private Meter NewMeter()
    {
        var meter = new Meter(_prefix + "." + _meters.Count);
        _meters.Add(meter);
        return meter;
    }
}

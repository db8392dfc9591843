using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Web.Metrics;

namespace TelemetryPipeline.Web.Pipeline;

/// <summary>
/// Samples the consumed-events counter every few seconds into a bounded ring (the last 360 samples; the oldest is
/// dropped) so the pipeline page can draw throughput as a rate without Prometheus.
/// </summary>
public sealed partial class PipelineSampler(PrometheusExporter exporter, WebOptions options, TimeProvider clock, ILogger<PipelineSampler>? logger = null)
    : BackgroundService
{
    public const int Capacity = 360;

    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, double Consumed)> _samples = new();

    /// <summary>Seconds between samples: the refresh interval, at most 5 s so the chart moves.</summary>
    public TimeSpan Interval => TimeSpan.FromSeconds(Math.Clamp(options.RefreshSeconds, 1, 5));

    /// <summary>Takes a sample unless one was taken less than a second ago (pages call this so the chart is fresh).</summary>
    public void SampleIfStale()
    {
        DateTimeOffset now = clock.GetUtcNow();
        lock (_lock)
        {
            if (_samples.Count > 0 && now - _samples.Last().At < TimeSpan.FromSeconds(1))
            {
                return;
            }
        }

        Sample(exporter.Collect());
    }

    /// <summary>Events per second between consecutive samples, oldest first.</summary>
    public IReadOnlyList<ThroughputPoint> Throughput()
    {
        lock (_lock)
        {
            var points = new List<ThroughputPoint>(_samples.Count);
            (DateTimeOffset At, double Consumed)? previous = null;
            foreach (var sample in _samples)
            {
                if (previous is { } p && sample.At > p.At)
                {
                    // A counter that went down means the process (or meter) restarted: treat the new value as the increase.
                    double delta = sample.Consumed >= p.Consumed ? sample.Consumed - p.Consumed : sample.Consumed;
                    points.Add(new ThroughputPoint(sample.At, Math.Round(delta / (sample.At - p.At).TotalSeconds, 1)));
                }

                previous = sample;
            }

            return points;
        }
    }

    private void Sample(MetricsSnapshot snapshot)
    {
        lock (_lock)
        {
            _samples.Enqueue((snapshot.TakenAt, snapshot.Total(PipelineMetricNames.Consumed)));
            while (_samples.Count > Capacity)
            {
                _samples.Dequeue();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                Sample(exporter.Collect());
            }
#pragma warning disable CA1031 // A failing instrument callback must not stop the web host (a BackgroundService failure would).
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                if (logger is not null)
                {
                    LogSampleFailed(logger, ex);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling the pipeline metrics failed; the throughput chart skips this sample")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}

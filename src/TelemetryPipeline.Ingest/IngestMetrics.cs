using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ingest;

/// <summary>
/// Instruments of the ingest path (meter <see cref="MeterName"/>). Names follow Prometheus conventions so the
/// exposition on <c>/metrics</c> maps them one to one.
/// </summary>
public sealed class IngestMetrics : IDisposable
{
    public const string MeterName = "TelemetryPipeline.Ingest";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();

    public IngestMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Consumed = _meter.CreateCounter<long>("tp_events_consumed", "{event}", "Records consumed from the telemetry topics.");
        Rejected = _meter.CreateCounter<long>("tp_events_rejected", "{event}", "Records rejected to the DLQ, by reason.");
        Duplicates = _meter.CreateCounter<long>("tp_events_deduplicated", "{event}", "Records recognised as duplicates: no effect.");
        Applied = _meter.CreateCounter<long>("tp_events_applied", "{event}", "Records whose contribution reached the buckets (or set a meter baseline).");
        MeterIncidents = _meter.CreateCounter<long>("tp_meter_incidents", "{event}", "Meter resets, anomalies and late readings.");
        Batches = _meter.CreateCounter<long>("tp_batches", "{batch}", "Batches made durable and committed.");
        RedisCalls = _meter.CreateCounter<long>("tp_redis_calls", "{call}", "Redis round trips of the dedupe+buckets step.");
        BatchSize = _meter.CreateHistogram<int>(
            "tp_batch_size", "{event}", "Records per batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000] });
        BatchDuration = _meter.CreateHistogram<double>(
            "tp_batch_duration_seconds", "s", "From a batch's first record consumed to its offsets committed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        ApplyDuration = _meter.CreateHistogram<double>(
            "tp_redis_apply_duration_seconds", "s", "Duration of the atomic dedupe+buckets Redis call(s) of one batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        CommitErrors = _meter.CreateCounter<long>("tp_commit_errors", "{error}", "Offset commits that failed (e.g. during a rebalance); the dedupe absorbs the redelivery.");
        _meter.CreateObservableGauge("tp_consumer_lag", ObserveLag, "{message}", "Messages behind the high watermark, per partition.");
    }

    public Counter<long> Consumed { get; }
    public Counter<long> Rejected { get; }
    public Counter<long> Duplicates { get; }
    public Counter<long> Applied { get; }
    public Counter<long> MeterIncidents { get; }
    public Counter<long> Batches { get; }
    public Counter<long> RedisCalls { get; }
    public Counter<long> CommitErrors { get; }
    public Histogram<int> BatchSize { get; }
    public Histogram<double> BatchDuration { get; }
    public Histogram<double> ApplyDuration { get; }

    /// <summary>Latest lag per partition, for dashboards (<c>tp_consumer_lag</c>).</summary>
    public IReadOnlyDictionary<(string Topic, int Partition), long> Lag => _lag;

    internal void SetLag(string topic, int partition, long lag) => _lag[(topic, partition)] = Math.Max(0, lag);

    internal void RecordOutcome(EventOutcome outcome)
    {
        switch (outcome)
        {
            case EventOutcome.Duplicate:
                Duplicates.Add(1);
                break;
            case EventOutcome.Reset:
            case EventOutcome.Anomaly:
            case EventOutcome.LateReading:
                MeterIncidents.Add(1, new KeyValuePair<string, object?>("kind", OutcomeName(outcome)));
                break;
            default:
                Applied.Add(1);
                break;
        }
    }

    public static string OutcomeName(EventOutcome outcome) => outcome switch
    {
        EventOutcome.Applied => "applied",
        EventOutcome.Duplicate => "duplicate",
        EventOutcome.Baseline => "baseline",
        EventOutcome.Reset => "reset",
        EventOutcome.Anomaly => "anomaly",
        EventOutcome.LateReading => "late_reading",
        _ => "unknown",
    };

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var pair in _lag)
        {
            yield return new Measurement<long>(
                pair.Value,
                new KeyValuePair<string, object?>("topic", pair.Key.Topic),
                new KeyValuePair<string, object?>("partition", pair.Key.Partition));
        }
    }

    public void Dispose() => _meter.Dispose();
}

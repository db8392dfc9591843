using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace TelemetryPipeline.Web.Metrics;

/// <summary>
/// Listens to every instrument of the meters whose name starts with a prefix ("TelemetryPipeline" by default) and keeps
/// their aggregates so they can be exposed in the Prometheus text format: counters as <c>name_total</c>, gauges and
/// up-down counters as gauges, histograms with the instrument's advised bucket boundaries. Instruments with the same
/// exported name (e.g. two instances of one meter) are merged into one family. Process and GC metrics are added at
/// collection time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string DefaultMeterPrefix = "TelemetryPipeline";

    /// <summary>OpenTelemetry's default explicit bucket boundaries, for histograms that advise none.</summary>
    private static readonly double[] s_defaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener;
    private readonly string _meterPrefix;
    private readonly bool _includeProcessMetrics;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly Lock _collectLock = new();
    private bool _disposed;
    private long _callbackErrors;

    /// <summary>Starts listening at once; instruments created before and after are both picked up.</summary>
    public PrometheusExporter(string meterPrefix = DefaultMeterPrefix, bool includeProcessMetrics = true, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterPrefix);
        _meterPrefix = meterPrefix;
        _includeProcessMetrics = includeProcessMetrics;
        _clock = clock ?? TimeProvider.System;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((Binding)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((Binding)state!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>The Prometheus exposition content type (text format 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Observes the observable instruments and returns every family (plus process metrics), ordered by name.</summary>
    public MetricsSnapshot Collect()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var families = new List<MetricFamily>();
        lock (_collectLock)
        {
            foreach (Family family in _families.Values)
            {
                if (family.Observable)
                {
                    family.Series.Clear();
                }
            }

            // Observable callbacks run on this thread and report through the measurement callbacks above. One callback
            // that throws must not take /metrics down: the listener still observes the others, then throws them all.
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                _callbackErrors++;
            }

            foreach (Family family in _families.Values)
            {
                families.Add(family.Snapshot());
            }

            if (_includeProcessMetrics)
            {
                families.Add(new MetricFamily(
                    "tp_metrics_callback_errors",
                    MetricKind.Counter,
                    "Collections where an observable instrument's callback threw (its values are missing).",
                    [new MetricSeries([], _callbackErrors)]));
            }
        }

        if (_includeProcessMetrics)
        {
            ProcessMetrics.AddTo(families);
        }

        families.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new MetricsSnapshot(families, _clock.GetUtcNow());
    }

    /// <summary>The whole exposition as text.</summary>
    public string Scrape()
    {
        var builder = new StringBuilder(4096);
        using (var writer = new StringWriter(builder, CultureInfo.InvariantCulture))
        {
            PrometheusText.Write(writer, Collect());
        }

        return builder.ToString();
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _listener.Dispose();
        }
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal))
        {
            return;
        }

        if (!TryClassify(instrument, out MetricKind kind, out bool observable, out bool cumulative))
        {
            return;
        }

        string name = PrometheusText.SanitizeMetricName(instrument.Name);
        if (kind == MetricKind.Counter && name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
        {
            name = name[..^"_total".Length];
        }

        double[]? bounds = kind == MetricKind.Histogram ? AdvisedBounds(instrument) ?? s_defaultBounds : null;
        Family family = _families.GetOrAdd(
            name,
            static (n, args) => new Family(n, args.kind, args.help, args.observable, args.bounds),
            (kind, help: instrument.Description ?? string.Empty, observable, bounds));
        if (family.Kind != kind)
        {
            // Same exported name, different type: exposing both would be an invalid exposition; the first one wins.
            return;
        }

        listener.EnableMeasurementEvents(instrument, new Binding(family, cumulative));
    }

    private static bool TryClassify(Instrument instrument, out MetricKind kind, out bool observable, out bool cumulative)
    {
        Type type = instrument.GetType();
        Type definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        (kind, observable, cumulative) = definition switch
        {
            _ when definition == typeof(Counter<>) => (MetricKind.Counter, false, false),
            _ when definition == typeof(ObservableCounter<>) => (MetricKind.Counter, true, true),
            _ when definition == typeof(UpDownCounter<>) => (MetricKind.Gauge, false, false),
            _ when definition == typeof(ObservableUpDownCounter<>) => (MetricKind.Gauge, true, true),
            _ when definition == typeof(Gauge<>) => (MetricKind.Gauge, false, true),
            _ when definition == typeof(ObservableGauge<>) => (MetricKind.Gauge, true, true),
            _ when definition == typeof(Histogram<>) => (MetricKind.Histogram, false, false),
            _ => ((MetricKind)(-1), false, false),
        };
        return (int)kind >= 0;
    }

    private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
    {
        Histogram<double> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<float> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<long> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<int> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<short> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<byte> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => v),
        Histogram<decimal> h => ToDoubles(h.Advice?.HistogramBucketBoundaries, static v => (double)v),
        _ => null,
    };

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? values, Func<T, double> convert)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }

        var result = new double[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = convert(values[i]);
        }

        Array.Sort(result);
        return result;
    }

    /// <summary>What a measurement callback needs: the family it feeds and whether values are totals (set) or increments (add).</summary>
    private sealed class Binding(Family family, bool cumulative)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Series series = family.GetSeries(tags);
            switch (family.Kind)
            {
                case MetricKind.Histogram:
                    series.Observe(value, family.Bounds!);
                    break;
                default:
                    if (cumulative)
                    {
                        series.Set(value);
                    }
                    else
                    {
                        series.Add(value);
                    }

                    break;
            }
        }
    }

    private sealed class Family(string name, MetricKind kind, string help, bool observable, double[]? bounds)
    {
        private Series? _unlabelled;

        public string Name { get; } = name;

        public MetricKind Kind { get; } = kind;

        public string Help { get; } = help;

        public bool Observable { get; } = observable;

        public double[]? Bounds { get; } = bounds;

        public ConcurrentDictionary<string, Series> Series { get; } = new(StringComparer.Ordinal);

        public Series GetSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                // The hot path (per-event counters without tags): no key to build. Observable families are cleared
                // before each collection, so only the others may keep the series in a field.
                if (!Observable && _unlabelled is { } cached)
                {
                    return cached;
                }

                Series created = Series.GetOrAdd(string.Empty, static (_, b) => new Series([], b), Bounds);
                _unlabelled = created;
                return created;
            }

            KeyValuePair<string, string>[] labels = PrometheusText.ToLabels(tags);
            string key = PrometheusText.SeriesKey(labels);
            return Series.GetOrAdd(key, static (_, args) => new Series(args.labels, args.bounds), (labels, bounds: Bounds));
        }

        public MetricFamily Snapshot()
        {
            var series = new List<MetricSeries>(Series.Count);
            foreach (KeyValuePair<string, Series> pair in Series)
            {
                series.Add(pair.Value.Snapshot(Kind, Bounds));
            }

            series.Sort(static (a, b) => string.CompareOrdinal(PrometheusText.SeriesKey(a.Labels), PrometheusText.SeriesKey(b.Labels)));
            return new MetricFamily(Name, Kind, Help, series);
        }
    }

    private sealed class Series
    {
        private readonly long[]? _buckets;
        private double _value;
        private double _sum;

        public Series(KeyValuePair<string, string>[] labels, double[]? bounds)
        {
            Labels = labels;
            _buckets = bounds is null ? null : new long[bounds.Length + 1];
        }

        public KeyValuePair<string, string>[] Labels { get; }

        public void Add(double value)
        {
            double current = Volatile.Read(ref _value);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref _value, current + value, current);
                if (seen.Equals(current))
                {
                    return;
                }

                current = seen;
            }
        }

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Observe(double value, double[] bounds)
        {
            if (double.IsNaN(value))
            {
                return;
            }

            int index = Array.BinarySearch(bounds, value);
            // Prometheus buckets are upper-inclusive (le): a value equal to a bound belongs to that bound's bucket.
            index = index >= 0 ? index : ~index;
            Interlocked.Increment(ref _buckets![index]);
            double current = Volatile.Read(ref _sum);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref _sum, current + value, current);
                if (seen.Equals(current))
                {
                    return;
                }

                current = seen;
            }
        }

        public MetricSeries Snapshot(MetricKind kind, double[]? bounds)
        {
            if (kind != MetricKind.Histogram)
            {
                return new MetricSeries(Labels, Volatile.Read(ref _value));
            }

            var counts = new long[_buckets!.Length];
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = Interlocked.Read(ref _buckets[i]);
            }

            return new MetricSeries(Labels, 0, new HistogramData(bounds!, counts, Volatile.Read(ref _sum)));
        }
    }
}

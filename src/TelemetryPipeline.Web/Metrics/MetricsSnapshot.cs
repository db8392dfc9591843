namespace TelemetryPipeline.Web.Metrics;

/// <summary>The Prometheus family type an instrument maps to.</summary>
public enum MetricKind
{
    /// <summary>Counter / ObservableCounter: exposed as <c>name_total</c>.</summary>
    Counter,

    /// <summary>Gauge, ObservableGauge and (Observable)UpDownCounter.</summary>
    Gauge,

    /// <summary>Histogram: <c>name_bucket{le=…}</c>, <c>name_sum</c>, <c>name_count</c>.</summary>
    Histogram,
}

/// <summary>
/// One histogram series at one instant. <see cref="BucketCounts"/> are per bucket (not cumulative), one per upper bound
/// plus the last one for +Inf; <see cref="Count"/> is their sum.
/// </summary>
public sealed record HistogramData(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts, double Sum)
{
    public long Count
    {
        get
        {
            long total = 0;
            foreach (long c in BucketCounts)
            {
                total += c;
            }

            return total;
        }
    }

    /// <summary>The arithmetic mean of the observations, or NaN when there are none.</summary>
    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>
    /// The <paramref name="q"/>-quantile estimated the way Prometheus' <c>histogram_quantile</c> does: linear
    /// interpolation within the bucket that holds the rank; NaN when empty; the highest finite bound when the rank falls
    /// in +Inf.
    /// </summary>
    public double Quantile(double q)
    {
        long count = Count;
        if (count == 0 || UpperBounds.Count == 0)
        {
            return double.NaN;
        }

        double rank = Math.Clamp(q, 0, 1) * count;
        long cumulative = 0;
        for (int i = 0; i < BucketCounts.Count; i++)
        {
            long previous = cumulative;
            cumulative += BucketCounts[i];
            if (cumulative >= rank && BucketCounts[i] > 0)
            {
                if (i >= UpperBounds.Count)
                {
                    return UpperBounds[^1];
                }

                double lower = i == 0 ? Math.Min(0, UpperBounds[0]) : UpperBounds[i - 1];
                double upper = UpperBounds[i];
                return lower + ((upper - lower) * (rank - previous) / BucketCounts[i]);
            }
        }

        return UpperBounds[^1];
    }
}

/// <summary>One labelled series of a family: a value (counters, gauges) or a histogram.</summary>
public sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramData? Histogram = null)
{
    /// <summary>The value of label <paramref name="name"/>, or null.</summary>
    public string? Label(string name)
    {
        foreach (KeyValuePair<string, string> pair in Labels)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return null;
    }
}

/// <summary>
/// One metric family. <see cref="Name"/> is the Prometheus base name (no <c>_total</c>); <see cref="ExposedName"/> adds
/// it for counters.
/// </summary>
public sealed record MetricFamily(string Name, MetricKind Kind, string Help, IReadOnlyList<MetricSeries> Series)
{
    public string ExposedName => Kind == MetricKind.Counter ? Name + "_total" : Name;

    /// <summary>The sum of every series' value (counters, gauges); 0 when there are none.</summary>
    public double Total
    {
        get
        {
            double total = 0;
            foreach (MetricSeries series in Series)
            {
                total += series.Value;
            }

            return total;
        }
    }

    /// <summary>Every series' histogram merged into one (same bounds); null when there is none.</summary>
    public HistogramData? MergedHistogram()
    {
        HistogramData? merged = null;
        foreach (MetricSeries series in Series)
        {
            if (series.Histogram is not { } h)
            {
                continue;
            }

            if (merged is null)
            {
                merged = h;
                continue;
            }

            var counts = new long[merged.BucketCounts.Count];
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = merged.BucketCounts[i] + (i < h.BucketCounts.Count ? h.BucketCounts[i] : 0);
            }

            merged = new HistogramData(merged.UpperBounds, counts, merged.Sum + h.Sum);
        }

        return merged;
    }
}

/// <summary>Every family at one instant, ordered by name.</summary>
public sealed class MetricsSnapshot
{
    private readonly Dictionary<string, MetricFamily> _byName;

    public MetricsSnapshot(IReadOnlyList<MetricFamily> families, DateTimeOffset takenAt)
    {
        ArgumentNullException.ThrowIfNull(families);
        Families = families;
        TakenAt = takenAt;
        _byName = new Dictionary<string, MetricFamily>(StringComparer.Ordinal);
        foreach (MetricFamily family in families)
        {
            _byName.TryAdd(family.Name, family);
        }
    }

    public IReadOnlyList<MetricFamily> Families { get; }

    public DateTimeOffset TakenAt { get; }

    /// <summary>The family with base name <paramref name="name"/> (e.g. <c>tp_events_consumed</c>), or null.</summary>
    public MetricFamily? Find(string name) => _byName.TryGetValue(name, out MetricFamily? family) ? family : null;

    /// <summary>The sum over every series of a counter or gauge; 0 when absent.</summary>
    public double Total(string name) => Find(name)?.Total ?? 0;
}

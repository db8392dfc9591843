using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Metrics;

namespace TelemetryPipeline.Web.Pipeline;

/// <summary>The ingest instrument names (meter TelemetryPipeline.Ingest) the pipeline view reads, as Prometheus base names.</summary>
public static class PipelineMetricNames
{
    public const string Consumed = "tp_events_consumed";
    public const string Rejected = "tp_events_rejected";
    public const string Deduplicated = "tp_events_deduplicated";
    public const string Applied = "tp_events_applied";
    public const string MeterIncidents = "tp_meter_incidents";
    public const string Batches = "tp_batches";
    public const string RedisCalls = "tp_redis_calls";
    public const string CommitErrors = "tp_commit_errors";
    public const string BatchSize = "tp_batch_size";
    public const string BatchDuration = "tp_batch_duration_seconds";
    public const string RedisApplyDuration = "tp_redis_apply_duration_seconds";
    public const string ConsumerLag = "tp_consumer_lag";
}

/// <summary>Totals of the ingest counters since the process started.</summary>
public sealed record PipelineCounters(double Consumed, double Applied, double Deduplicated, double Rejected, double Batches, double RedisCalls, double CommitErrors);

public sealed record ThroughputPoint(DateTimeOffset At, double EventsPerSecond);

public sealed record PartitionLag(string Topic, int Partition, double Lag);

public sealed record LabelCount(string Label, double Count);

/// <summary>A histogram summarized: count, sum, mean and the p50/p99 estimates (null when empty), with its buckets.</summary>
public sealed record HistogramSummary(long Count, double Sum, double? Mean, double? P50, double? P99, IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts)
{
    public static HistogramSummary? From(HistogramData? data)
    {
        if (data is null)
        {
            return null;
        }

        return new HistogramSummary(data.Count, data.Sum, Finite(data.Mean), Finite(data.Quantile(0.5)), Finite(data.Quantile(0.99)), data.UpperBounds, data.BucketCounts);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>A rejected record for display: the payload as hex, and as JSON when it is JSON.</summary>
public sealed record DeadLetterDto(
    string Reason, string Detail, string Topic, int Partition, long Offset, DateTimeOffset RejectedAt, string? Key, int PayloadBytes, string PayloadHex, string? PayloadJson)
{
    public const int MaxShownBytes = 1024;

    public static DeadLetterDto From(DeadLetterView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new DeadLetterDto(
            view.Reason,
            view.Detail,
            view.Topic,
            view.Partition,
            view.Offset,
            view.RejectedAt,
            view.Key is null ? null : Printable(view.Key),
            view.Payload.Length,
            HexDump(view.Payload, MaxShownBytes),
            TryJson(view.Payload));
    }

    /// <summary>Classic hex dump: offset, 16 bytes in hex, and their printable ASCII.</summary>
    public static string HexDump(ReadOnlySpan<byte> bytes, int max)
    {
        var builder = new StringBuilder();
        int shown = Math.Min(bytes.Length, max);
        for (int row = 0; row < shown; row += 16)
        {
            builder.Append(row.ToString("x6", CultureInfo.InvariantCulture)).Append("  ");
            for (int i = 0; i < 16; i++)
            {
                builder.Append(row + i < shown ? bytes[row + i].ToString("x2", CultureInfo.InvariantCulture) + " " : "   ");
                if (i == 7)
                {
                    builder.Append(' ');
                }
            }

            builder.Append(' ');
            for (int i = row; i < Math.Min(row + 16, shown); i++)
            {
                builder.Append(bytes[i] is >= 0x20 and < 0x7f ? (char)bytes[i] : '.');
            }

            builder.Append('\n');
        }

        if (bytes.Length > shown)
        {
            builder.Append(CultureInfo.InvariantCulture, $"… {bytes.Length - shown} more bytes\n");
        }

        return builder.ToString();
    }

    private static string? TryJson(byte[] payload)
    {
        int i = 0;
        while (i < payload.Length && payload[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }

        if (i >= payload.Length || (payload[i] != (byte)'{' && payload[i] != (byte)'['))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            return JsonSerializer.Serialize(document.RootElement, s_indented);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Printable(byte[] bytes)
    {
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or >= 0x7f)
            {
                return "0x" + Convert.ToHexString(bytes);
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    // Relaxed escaping keeps '<' readable; the text is HTML-encoded where it is shown.
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>What the pipeline page and <c>GET /api/pipeline</c> show.</summary>
public sealed record PipelineStatus(
    DateTimeOffset At,
    PipelineCounters Counters,
    double? EventsPerSecond,
    IReadOnlyList<ThroughputPoint> Throughput,
    IReadOnlyList<PartitionLag> Lag,
    HistogramSummary? BatchSize,
    HistogramSummary? BatchDurationSeconds,
    HistogramSummary? RedisApplySeconds,
    double? RedisCallsPer1000Events,
    IReadOnlyList<LabelCount> RejectedByReason,
    IReadOnlyList<LabelCount> MeterIncidents,
    IReadOnlyList<DeadLetterDto> DeadLetters,
    IReadOnlyList<SettlementRunDto> Runs)
{
    public static PipelineStatus Build(
        MetricsSnapshot snapshot, IReadOnlyList<ThroughputPoint> throughput, IReadOnlyList<DeadLetterView> deadLetters, IReadOnlyList<SettlementRunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var counters = new PipelineCounters(
            snapshot.Total(PipelineMetricNames.Consumed),
            snapshot.Total(PipelineMetricNames.Applied),
            snapshot.Total(PipelineMetricNames.Deduplicated),
            snapshot.Total(PipelineMetricNames.Rejected),
            snapshot.Total(PipelineMetricNames.Batches),
            snapshot.Total(PipelineMetricNames.RedisCalls),
            snapshot.Total(PipelineMetricNames.CommitErrors));

        var lag = new List<PartitionLag>();
        foreach (MetricSeries series in snapshot.Find(PipelineMetricNames.ConsumerLag)?.Series ?? [])
        {
            _ = int.TryParse(series.Label("partition"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int partition);
            lag.Add(new PartitionLag(series.Label("topic") ?? "?", partition, series.Value));
        }

        lag.Sort(static (a, b) => a.Topic == b.Topic ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Topic, b.Topic));
        return new PipelineStatus(
            snapshot.TakenAt,
            counters,
            throughput.Count > 0 ? throughput[^1].EventsPerSecond : null,
            throughput,
            lag,
            HistogramSummary.From(snapshot.Find(PipelineMetricNames.BatchSize)?.MergedHistogram()),
            HistogramSummary.From(snapshot.Find(PipelineMetricNames.BatchDuration)?.MergedHistogram()),
            HistogramSummary.From(snapshot.Find(PipelineMetricNames.RedisApplyDuration)?.MergedHistogram()),
            counters.Consumed > 0 ? Math.Round(1000 * counters.RedisCalls / counters.Consumed, 2) : null,
            ByLabel(snapshot.Find(PipelineMetricNames.Rejected), "reason"),
            ByLabel(snapshot.Find(PipelineMetricNames.MeterIncidents), "kind"),
            deadLetters.Select(DeadLetterDto.From).ToList(),
            runs.Select(SettlementRunDto.From).ToList());
    }

    private static List<LabelCount> ByLabel(MetricFamily? family, string label)
    {
        var totals = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (MetricSeries series in family?.Series ?? [])
        {
            string key = series.Label(label) ?? "(none)";
            totals[key] = totals.GetValueOrDefault(key) + series.Value;
        }

        return totals.Select(static p => new LabelCount(p.Key, p.Value)).OrderByDescending(static c => c.Count).ToList();
    }
}

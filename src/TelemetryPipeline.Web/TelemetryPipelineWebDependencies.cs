using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.Web.Metrics;

namespace TelemetryPipeline.Web;

/// <summary>
/// What the web needs from the rest of the process; the host fills it. Everything is a narrow function or a store the
/// host already owns, so the web never starts or stops an adapter itself.
/// </summary>
public sealed record TelemetryPipelineWebDependencies
{
    /// <summary>The allocation ledger (approvals, audit, exceptions, settlement runs).</summary>
    public required LedgerStore Ledger { get; init; }

    /// <summary>The 15-minute buckets and meter incidents (utilization, "explain this amount").</summary>
    public required ITelemetryStore Telemetry { get; init; }

    /// <summary>The current master data (aliases, assignments, rates, project settings); called per request, so keep it cheap.</summary>
    public required Func<MasterDataSnapshot> MasterData { get; init; }

    /// <summary>
    /// Checks behind <c>/health/ready</c>: the required ones (kafka, redis, postgres) decide readiness; the others (odoo)
    /// are reported only.
    /// </summary>
    public IReadOnlyList<ReadinessCheck> ReadinessChecks { get; init; } = [];

    /// <summary>
    /// Runs one settlement (admin: <c>POST /api/settlement/run</c>) against the given "now" (null: the wall clock) and
    /// returns its report, serialized as JSON. Null: the endpoint answers 503.
    /// </summary>
    public Func<DateTimeOffset?, CancellationToken, Task<object>>? SettlementTrigger { get; init; }

    /// <summary>The latest rejected records, newest first, at most the given count (see <see cref="RecentDeadLetters"/>).</summary>
    public Func<int, IReadOnlyList<DeadLetterView>> DeadLetters { get; init; } = static _ => [];

    /// <summary>
    /// The exporter behind <c>/metrics</c> and the pipeline page; null: the web creates one over every meter whose name
    /// starts with "TelemetryPipeline".
    /// </summary>
    public PrometheusExporter? Metrics { get; init; }

    /// <summary>The clock ("today" on the utilization page).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>One readiness check: <paramref name="Check"/> answers true when <paramref name="Name"/> is reachable.</summary>
public sealed record ReadinessCheck(string Name, Func<CancellationToken, Task<bool>> Check, bool Required = true);

/// <summary>
/// A record that went to the DLQ, as the pipeline page shows it: why, where it came from, and its bytes (bounded by
/// the ingest's MaxDlqPayloadBytes).
/// </summary>
public sealed record DeadLetterView(
    string Reason,
    string Detail,
    string Topic,
    int Partition,
    long Offset,
    DateTimeOffset RejectedAt,
    byte[]? Key,
    byte[] Payload);

/// <summary>
/// A bounded, thread-safe ring of the latest dead letters; the host adds each DLQ record as it is produced and hands
/// <see cref="Latest"/> to <see cref="TelemetryPipelineWebDependencies.DeadLetters"/>. When full, the oldest is dropped.
/// </summary>
public sealed class RecentDeadLetters
{
    private readonly DeadLetterView?[] _ring;
    private readonly Lock _lock = new();
    private long _written;

    public RecentDeadLetters(int capacity = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new DeadLetterView?[capacity];
    }

    public int Capacity => _ring.Length;

    public void Add(DeadLetterView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _ring[_written % _ring.Length] = record;
            _written++;
        }
    }

    /// <summary>Up to <paramref name="count"/> records, newest first.</summary>
    public IReadOnlyList<DeadLetterView> Latest(int count)
    {
        lock (_lock)
        {
            int available = (int)Math.Min(_written, _ring.Length);
            int take = Math.Clamp(count, 0, available);
            var result = new List<DeadLetterView>(take);
            for (int i = 0; i < take; i++)
            {
                result.Add(_ring[(_written - 1 - i) % _ring.Length]!);
            }

            return result;
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ingest;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// TelemetryPipeline's <c>run</c>: the real <see cref="IngestPipeline"/> over the real <see cref="RedisTelemetryStore"/>,
/// wired as the host wires it, with two transparent decorators: one counting Redis commands, one noting when sampled
/// events became durable (the store's apply returned) and how long applies took.
/// </summary>
internal static class TelemetryPipelineContender
{
    public const string DedupePattern = "*:d:*";

    public static readonly string[] StatePatterns = ["*:b:*", "*:i:*", "*:m:*", "*:a:*", "*:layout"];

    public static IngestOptions IngestOptionsFor(LoadOptions options) => new()
    {
        BatchSize = options.BatchSize,
        BatchLingerMs = options.BatchLingerMs,
        DecodeParallelism = options.DecodeParallelism,
        MaxBatchesInFlight = options.MaxBatchesInFlight,
        ConfluentSchemaIds = Generator.GeneratorSchemaIds.Map,
    };

    /// <param name="onAssigned">
    /// Runs once the consumer has its partitions, instead of starting the throughput window then: the paced mode starts
    /// its producer (and the window) itself.
    /// </param>
    public static async Task<ContenderOutcome> RunAsync(
        string name, ContenderContext context, TelemetryCodec codec, Action<RunClock>? onAssigned, CancellationToken cancellationToken)
    {
        KafkaNative.EnsureLoaded();
        IngestOptions ingest = IngestOptionsFor(context.Options);
        var redisOptions = new RedisOptions { Endpoint = context.RedisEndpoint!, CommandTimeout = TimeSpan.FromSeconds(30) };
        await using var connection = new CountingRedisConnection(await RedisConnection.ConnectAsync(redisOptions, cancellationToken).ConfigureAwait(false));
        var durable = new DurableSamples((int)(context.Events / context.SampleEvery * 2) + 1024);
        var clock = new RunClock();
        var store = new TimedStore(new RedisTelemetryStore(connection, redisOptions), durable, context.SampleMask);
        var logger = new AssignmentLogger(() =>
        {
            if (onAssigned is null)
            {
                clock.MarkAssigned();
            }
            else
            {
                onAssigned(clock);
            }
        });
        using var metrics = new IngestMetrics();
        var outcome = new ContenderOutcome
        {
            Name = name,
            Description = "TelemetryPipeline run: batch consume, parallel decode (one batch ahead), one read + one atomic apply script call per batch, commit after durable",
            Clock = clock,
        };
        IngestTotals totals;
        await using (var pipeline = new IngestPipeline(ingest, context.Kafka, codec, store, metrics, logger))
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<IngestTotals> run = pipeline.RunAsync(null, stop.Token);
            long started = Stopwatch.GetTimestamp();
            while (pipeline.Totals.Consumed < context.Events && !run.IsCompleted)
            {
                if (Stopwatch.GetElapsedTime(started) > context.Timeout)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw new TimeoutException($"{name}: {pipeline.Totals.Consumed} of {context.Events} records durable within {context.Timeout}.");
                }

                // 10 ms: finer polling shows up as timer-thread CPU in the contender's own figures.
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }

            clock.MarkDone();
            await stop.CancelAsync().ConfigureAwait(false);
            totals = await run.ConfigureAwait(false);
        }

        outcome.Events = totals.Consumed;
        outcome.RedisCommands = connection.Commands;
        outcome.RedisRoundTrips = connection.RoundTrips;
        outcome.Durable = durable;
        outcome.Applies = store.PerSecond();
        outcome.Counters["applied"] = totals.Applied;
        outcome.Counters["duplicates"] = totals.Duplicates;
        outcome.Counters["rejected"] = totals.Rejected;
        outcome.Counters["meter_incidents"] = totals.MeterIncidents;
        outcome.Counters["batches"] = totals.Batches;
        outcome.Counters["mean_batch_size"] = totals.Batches == 0 ? 0 : Math.Round(totals.Consumed / (double)totals.Batches, 1);
        outcome.Counters["apply_seconds"] = Math.Round(store.ApplySeconds, 3);
        outcome.Counters["apply_p50_ms"] = store.ApplyPercentile(0.50);
        outcome.Counters["apply_p99_ms"] = store.ApplyPercentile(0.99);
        outcome.Counters["apply_share_of_active"] = Math.Round(store.ApplySeconds / Math.Max(clock.ActiveSeconds, 1e-9), 3);
        return outcome;
    }

    /// <summary>Times every apply and records when sampled events became durable; otherwise passes through.</summary>
    private sealed class TimedStore(ITelemetryStore inner, DurableSamples durable, ulong sampleMask) : ITelemetryStore
    {
        private readonly List<double> _applyMs = new(4096);
        private readonly List<(long EndUtcMs, double Ms, int Events)> _applies = new(4096);
        private long _applyTicks;

        public double ApplySeconds => Interlocked.Read(ref _applyTicks) / (double)Stopwatch.Frequency;

        public double ApplyPercentile(double p)
        {
            lock (_applyMs)
            {
                if (_applyMs.Count == 0)
                {
                    return 0;
                }

                double[] sorted = [.. _applyMs];
                Array.Sort(sorted);
                return Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);
            }
        }

        /// <summary>Applies per second (Unix time): how many batches and events became durable, and the slowest apply.</summary>
        public List<ApplyWindow> PerSecond()
        {
            var windows = new SortedDictionary<long, ApplyWindow>();
            lock (_applyMs)
            {
                foreach ((long end, double ms, int events) in _applies)
                {
                    long second = end / 1000;
                    windows[second] = windows.TryGetValue(second, out ApplyWindow? w)
                        ? w with { Batches = w.Batches + 1, Events = w.Events + events, MaxApplyMs = Math.Max(w.MaxApplyMs, Math.Round(ms, 1)) }
                        : new ApplyWindow(second, 1, events, Math.Round(ms, 1));
                }
            }

            return [.. windows.Values];
        }

        public async Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken)
        {
            long started = Stopwatch.GetTimestamp();
            ApplyBatchResult result = await inner.ApplyAsync(events, cancellationToken).ConfigureAwait(false);
            long ended = Stopwatch.GetTimestamp();
            long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Interlocked.Add(ref _applyTicks, ended - started);
            lock (_applyMs)
            {
                double ms = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
                _applyMs.Add(ms);
                _applies.Add((nowMs, ms, events.Count));
            }

            for (int i = 0; i < events.Count; i++)
            {
                ulong id = events[i].DedupeId;
                if ((id & sampleMask) == 0)
                {
                    durable.Add(id, nowMs);
                }
            }

            return result;
        }

        public Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken) => inner.ReadDayAsync(utcDay, cancellationToken);

        public Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken) => inner.ReadIncidentsAsync(utcDay, cancellationToken);
    }

    /// <summary>
    /// The pipeline's logger: warnings and errors go to the console; the "partitions assigned" event (id 3) starts the
    /// throughput window. Information lines are dropped so that logging costs nothing during the run.
    /// </summary>
    private sealed class AssignmentLogger(Action onAssigned) : ILogger
    {
        private const int PartitionsAssignedEventId = 3;
        private int _assigned;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == PartitionsAssignedEventId && Interlocked.Exchange(ref _assigned, 1) == 0)
            {
                onAssigned();
            }

            if (logLevel >= LogLevel.Warning)
            {
                Console.WriteLine($"  [ingest {logLevel}] {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>Applies that returned in one second (Unix time): batches, events, the slowest apply.</summary>
internal sealed record ApplyWindow(long Second, int Batches, int Events, double MaxApplyMs);

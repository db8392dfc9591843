using System.Diagnostics;
using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Perf.Load;
using TelemetryPipeline.Settlement;
using TelemetryPipeline.State;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Perf.Settle;

/// <summary>Size and ledger of a settlement benchmark.</summary>
internal sealed record SettleOptions
{
    /// <summary>Machines with a full day of buckets.</summary>
    public int Machines { get; init; } = 10_000;

    public int Projects { get; init; } = 20;

    /// <summary>Cost codes per project (assignments spread machines over project × cost code).</summary>
    public int CostCodes { get; init; } = 5;

    /// <summary><c>memory</c> (an in-memory ledger: settlement's own cost) or <c>postgres</c> (the real ledger, a throwaway cluster).</summary>
    public string Ledger { get; init; } = "memory";

    public string OutputDirectory { get; init; } = "perf/results";

    public string Label { get; init; } = "settle";

    public void Validate()
    {
        if (Machines is < 1 or > 1_000_000)
        {
            throw new ArgumentException($"--machines must be between 1 and 1000000 (got {Machines}).");
        }

        if (Projects is < 1 or > 1000 || CostCodes is < 1 or > 100)
        {
            throw new ArgumentException("--projects must be between 1 and 1000 and --cost-codes between 1 and 100.");
        }

        if (Ledger is not ("memory" or "postgres"))
        {
            throw new ArgumentException($"--ledger must be memory or postgres (got '{Ledger}').");
        }
    }
}

/// <summary>What one settlement run cost, phase by phase.</summary>
internal sealed record SettlePhaseResult(
    string Run, double Seconds, double ReadSeconds, double LedgerSeconds, double CalculateSeconds, int BucketEntries,
    int AllocationsPlanned, int AllocationsStaged, int Lines, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2);

internal sealed record SettleResult(
    string StartedUtc, string CommandLine, string Machine, double[] LoadAverage, SettleOptions Options, long EventsApplied,
    double SetupSeconds, long BucketCells, string Period, List<SettlePhaseResult> Runs);

/// <summary>
/// A day of <see cref="SettleOptions.Machines"/> machines × 96 buckets (operating and idle every 15 minutes, fuel every
/// hour) written through the real store into a throwaway Redis, settled by the real <see cref="SettlementRunner"/> and
/// staged; then settled again (idempotent: stages nothing). Reports each phase: reading buckets from Redis,
/// calculating (attribution, pricing in decimal, planning), ledger reads and staging.
/// </summary>
internal static class SettlementBenchmark
{
    public static async Task<SettleResult> RunAsync(SettleOptions options, TextWriter output, string commandLine, CancellationToken cancellationToken)
    {
        options.Validate();
        double[] load = MachineInfo.LoadAverage();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        long day = BucketMath.UtcDay(now.ToUnixTimeMilliseconds()) - 2;
        long dayStart = day * BucketMath.DayMs;
        DateTimeOffset settleAt = DateTimeOffset.FromUnixTimeMilliseconds(dayStart + (2 * BucketMath.DayMs));
        var settlementOptions = new SettlementOptions();
        (List<EquipmentAlias> aliases, List<EquipmentAssignment> assignments, List<EquipmentRate> rates) = MasterData(options, dayStart);
        var masterData = new InMemoryMasterDataSource(settlementOptions);
        masterData.Upsert(new MasterDataBatch(aliases, assignments, rates));

        await using RedisServer redis = await RedisServer.StartAsync().ConfigureAwait(false);
        var redisOptions = new RedisOptions { Endpoint = redis.Endpoint, CommandTimeout = TimeSpan.FromMinutes(2) };
        await using RedisTelemetryStore store = await RedisTelemetryStore.ConnectAsync(redisOptions, cancellationToken).ConfigureAwait(false);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"writing a day ({DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(dayStart).UtcDateTime):yyyy-MM-dd}) of {options.Machines:N0} machines × 96 buckets into redis {redis.Endpoint} ..."));
        var setup = Stopwatch.StartNew();
        long applied = await WriteDayAsync(store, options.Machines, dayStart, cancellationToken).ConfigureAwait(false);
        long cells = (await store.ReadDayAsync(day, cancellationToken).ConfigureAwait(false)).Count;
        setup.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{applied:N0} events → {cells:N0} bucket cells in {setup.Elapsed.TotalSeconds:0.0} s"));

        PostgresServer? postgres = null;
        LedgerStore? ledgerStore = null;
        try
        {
            ISettlementLedger inner;
            if (options.Ledger == "postgres")
            {
                postgres = await PostgresServer.StartAsync(cancellationToken).ConfigureAwait(false);
                string database = await postgres.CreateDatabaseAsync("settle", ct: cancellationToken).ConfigureAwait(false);
                ledgerStore = LedgerStore.Create(new LedgerOptions { ConnectionString = postgres.ConnectionString(database) });
                await ledgerStore.MigrateAsync(cancellationToken).ConfigureAwait(false);
                inner = new LedgerSettlementLedger(ledgerStore);
            }
            else
            {
                inner = new MemoryLedger();
            }

            var timedStore = new TimedReads(store);
            var ledger = new TimedLedger(inner);
            var runner = new SettlementRunner(timedStore, masterData, ledger, settlementOptions);
            var runs = new List<SettlePhaseResult>();
            foreach (string name in (string[])["first (stages everything)", "second (idempotent, stages nothing)"])
            {
                GC.Collect();
                timedStore.Reset();
                ledger.Reset();
                ResourceSnapshot before = ResourceSnapshot.Take();
                SettlementReport report = await runner.RunAsync(settleAt, cancellationToken).ConfigureAwait(false);
                ResourceUsage used = ResourceSnapshot.Take() - before;
                var phase = new SettlePhaseResult(
                    name,
                    Math.Round(used.WallSeconds, 3),
                    Math.Round(timedStore.Seconds, 3),
                    Math.Round(ledger.Seconds, 3),
                    Math.Round(used.WallSeconds - timedStore.Seconds - ledger.Seconds, 3),
                    report.BucketEntriesRead,
                    report.AllocationsPlanned,
                    report.AllocationsStaged,
                    report.LinesPlanned,
                    Math.Round(used.CpuSeconds, 2),
                    used.AllocatedBytes,
                    used.Gen0,
                    used.Gen1,
                    used.Gen2);
                runs.Add(phase);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {phase.Seconds:0.00} s (read {phase.ReadSeconds:0.00} s, calculate {phase.CalculateSeconds:0.00} s, ledger {phase.LedgerSeconds:0.00} s); {phase.BucketEntries:N0} cells → {phase.AllocationsPlanned} allocations planned, {phase.AllocationsStaged} staged, {phase.Lines:N0} lines; CPU {phase.CpuSeconds:0.00} s, {phase.AllocatedBytes / 1e6:0} MB allocated, GC {phase.Gen0}/{phase.Gen1}/{phase.Gen2}"));
            }

            string period = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(dayStart).UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return new SettleResult(
                now.ToString("O", CultureInfo.InvariantCulture), commandLine, MachineInfo.Describe(), load, options, applied, Math.Round(setup.Elapsed.TotalSeconds, 2), cells, period, runs);
        }
        finally
        {
            if (ledgerStore is not null)
            {
                await ledgerStore.DisposeAsync().ConfigureAwait(false);
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Machine m: an alias for every third one (settlement resolves it), project m mod P, cost code (m / P) mod C, a rate card.</summary>
    private static (List<EquipmentAlias>, List<EquipmentAssignment>, List<EquipmentRate>) MasterData(SettleOptions options, long dayStart)
    {
        var aliases = new List<EquipmentAlias>();
        var assignments = new List<EquipmentAssignment>();
        var rates = new List<EquipmentRate>();
        for (int m = 0; m < options.Machines; m++)
        {
            string id = EquipmentId(m);
            if (m % 3 == 0)
            {
                aliases.Add(new EquipmentAlias("serial", Serial(m), id));
            }

            string project = "PRJ-" + (1001 + (m % options.Projects)).ToString(CultureInfo.InvariantCulture);
            string cost = "03-" + (100 + (((m / options.Projects) % options.CostCodes) * 100)).ToString(CultureInfo.InvariantCulture);
            assignments.Add(new EquipmentAssignment(id, project, cost, dayStart - (30 * BucketMath.DayMs), null));
            rates.Add(new EquipmentRate(id, m % 2 == 0 ? Ownership.Owned : Ownership.Rented, 85.50m + (m % 40), 21.25m, m % 5 == 0, 1.32m, "USD", dayStart - (90 * BucketMath.DayMs)));
        }

        return (aliases, assignments, rates);
    }

    private static string EquipmentId(int m) => "EX-" + m.ToString("D6", CultureInfo.InvariantCulture);

    private static string Serial(int m) => "SN" + m.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Per machine and hour: an operating and an idle delta over the hour (four buckets each), a fuel burn.</summary>
    private static async Task<long> WriteDayAsync(RedisTelemetryStore store, int machines, long dayStart, CancellationToken cancellationToken)
    {
        var batch = new List<NormalizedEvent>(6000);
        long applied = 0;
        var random = new Random(7);
        for (int m = 0; m < machines; m++)
        {
            string identifier = m % 3 == 0 ? "serial:" + Serial(m) : "canonical:" + EquipmentId(m);
            for (int hour = 0; hour < 24; hour++)
            {
                long start = dayStart + (hour * 3_600_000L);
                long end = start + 3_600_000L;
                long operating = random.NextInt64(600_000, 3_600_000);
                long idle = random.NextInt64(0, operating / 2);
                string key = string.Create(CultureInfo.InvariantCulture, $"{identifier}/{hour}");
                batch.Add(Event(RecordType.Usage, key + "/u", identifier, end, ContributionKind.Delta, Measure.OperatingMs, operating, start));
                batch.Add(Event(RecordType.Idle, key + "/i", identifier, end, ContributionKind.Delta, Measure.IdleMs, idle, start));
                batch.Add(Event(RecordType.Fuel, key + "/f", identifier, end - 1, ContributionKind.Point, Measure.FuelBurnMl, random.NextInt64(5_000, 40_000), 0));
                if (batch.Count >= 5000)
                {
                    applied += await ApplyAsync(store, batch, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return applied + await ApplyAsync(store, batch, cancellationToken).ConfigureAwait(false);
    }

    private static NormalizedEvent Event(RecordType type, string eventId, string identifier, long time, ContributionKind kind, Measure measure, long amount, long intervalStart) =>
        new(type, DedupeId.Compute(type, "perf", eventId), identifier, time, kind, measure, amount, intervalStart, null, null);

    private static async Task<long> ApplyAsync(RedisTelemetryStore store, List<NormalizedEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        await store.ApplyAsync(batch, cancellationToken).ConfigureAwait(false);
        int n = batch.Count;
        batch.Clear();
        return n;
    }

    private sealed class TimedReads(ITelemetryStore inner) : ITelemetryStore
    {
        private long _ticks;

        public double Seconds => _ticks / (double)Stopwatch.Frequency;

        public void Reset() => _ticks = 0;

        public Task<ApplyBatchResult> ApplyAsync(IReadOnlyList<NormalizedEvent> events, CancellationToken cancellationToken) => inner.ApplyAsync(events, cancellationToken);

        public async Task<IReadOnlyList<BucketEntry>> ReadDayAsync(long utcDay, CancellationToken cancellationToken)
        {
            long started = Stopwatch.GetTimestamp();
            IReadOnlyList<BucketEntry> entries = await inner.ReadDayAsync(utcDay, cancellationToken).ConfigureAwait(false);
            _ticks += Stopwatch.GetTimestamp() - started;
            return entries;
        }

        public Task<IReadOnlyList<MeterIncident>> ReadIncidentsAsync(long utcDay, CancellationToken cancellationToken) => inner.ReadIncidentsAsync(utcDay, cancellationToken);
    }

    private sealed class TimedLedger(ISettlementLedger inner) : ISettlementLedger
    {
        private long _ticks;

        public double Seconds => _ticks / (double)Stopwatch.Frequency;

        public void Reset() => _ticks = 0;

        public Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
            Timed(() => inner.GetAllocationsForPeriodsAsync(from, to, cancellationToken));

        public Task<int> StageAsync(IReadOnlyList<Allocation> allocations, CancellationToken cancellationToken) =>
            Timed(() => inner.StageAsync(allocations, cancellationToken));

        public Task ReplaceExceptionsAsync(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, CancellationToken cancellationToken) =>
            Timed(async () =>
            {
                await inner.ReplaceExceptionsAsync(from, to, exceptions, cancellationToken).ConfigureAwait(false);
                return 0;
            });

        private async Task<T> Timed<T>(Func<Task<T>> call)
        {
            long started = Stopwatch.GetTimestamp();
            T result = await call().ConfigureAwait(false);
            _ticks += Stopwatch.GetTimestamp() - started;
            return result;
        }
    }

    /// <summary>The ledger's contract in memory: unique ids, staging an existing id changes nothing.</summary>
    private sealed class MemoryLedger : ISettlementLedger
    {
        private readonly Dictionary<string, Allocation> _allocations = new(StringComparer.Ordinal);
        private List<SettlementException> _exceptions = [];

        public Task<IReadOnlyList<Allocation>> GetAllocationsForPeriodsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
        {
            var found = new List<Allocation>();
            foreach (Allocation allocation in _allocations.Values)
            {
                if (allocation.Period >= from && allocation.Period <= to)
                {
                    found.Add(allocation);
                }
            }

            return Task.FromResult<IReadOnlyList<Allocation>>(found);
        }

        public Task<int> StageAsync(IReadOnlyList<Allocation> allocations, CancellationToken cancellationToken)
        {
            int added = 0;
            foreach (Allocation allocation in allocations)
            {
                added += _allocations.TryAdd(allocation.AllocationId, allocation) ? 1 : 0;
            }

            return Task.FromResult(added);
        }

        public Task ReplaceExceptionsAsync(DateOnly from, DateOnly to, IReadOnlyList<SettlementException> exceptions, CancellationToken cancellationToken)
        {
            _exceptions = [.. _exceptions.Where(e => e.Period < from || e.Period > to), .. exceptions];
            return Task.CompletedTask;
        }
    }
}

using System.Globalization;
using TelemetryPipeline.Kafka;
using TelemetryPipeline.Schemas;
using TelemetryPipeline.TestKit;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// The <c>load</c> run: one data set produced once into the mock cluster, then the contenders one after another on the
/// same topics (each its own consumer group and its own fresh redis-server), then the paced mode, then the report.
/// </summary>
internal sealed class LoadHarness(LoadOptions options, TextWriter output)
{
    private const string DrainPrefix = "load";
    private const string PacedPrefix = "paced";

    private readonly TelemetryCodec _codec = TelemetryCodec.CreateDefault(Generator.GeneratorSchemaIds.Map);

    public async Task<LoadRunResult> RunAsync(string commandLine, CancellationToken cancellationToken)
    {
        options.Validate();
        KafkaNative.EnsureLoaded();
        TopicNames drain = TopicNames.Prefixed(DrainPrefix);
        TopicNames paced = TopicNames.Prefixed(PacedPrefix);
        var started = DateTimeOffset.UtcNow;
        double[] loadStart = MachineInfo.LoadAverage();
        Say($"machine: {MachineInfo.Describe()}; load average {Format(loadStart)}");

        await using BrokerHost broker = await BrokerHost.StartAsync(
            options.Broker, [.. drain.All, .. paced.All], options.Partitions, cancellationToken).ConfigureAwait(false);
        Say($"broker ({options.Broker}) {broker.BootstrapServers}: {options.Partitions} partitions per topic");

        Say($"producing {options.Events:N0} generated telemetry records (lz4) ...");
        DatasetInfo dataset = await DatasetProducer.ProduceAsync(broker.BootstrapServers, drain, options.Events, options.Seed, cancellationToken).ConfigureAwait(false);
        Say(string.Create(CultureInfo.InvariantCulture,
            $"data set: {dataset.Events:N0} records (usage {dataset.Usage:N0}, idle {dataset.Idle:N0}, fuel {dataset.Fuel:N0}; {dataset.Duplicates:N0} duplicates, {dataset.Malformed:N0} bad) from {dataset.Machines:N0} machines, {dataset.ValueBytes / (double)dataset.Events:0} B per value, produced in {dataset.ProduceSeconds:0.0} s"));

        var result = new LoadRunResult
        {
            StartedUtc = started.ToString("O", CultureInfo.InvariantCulture),
            CommandLine = commandLine,
            Machine = MachineInfo.Describe(),
            LoadAverageStart = loadStart,
            Options = options,
            Dataset = dataset,
        };

        ProduceTimeIndex? drainIndex = null;
        foreach (string contender in options.Contenders)
        {
            long events = contender == "naive" && options.NaiveEvents is { } cap ? cap : dataset.Events;
            Say($"--- {contender}: {events:N0} records, group perf-{contender}");
            if (contender == "tp")
            {
                drainIndex ??= ProduceTimeIndex.Read(broker.BootstrapServers, drain, _codec, (ulong)options.LatencySampleEvery - 1, cancellationToken);
            }

            ContenderResult measured = await MeasureAsync(contender, broker, drain, events, drainIndex, null, cancellationToken).ConfigureAwait(false);
            result.Contenders.Add(measured);
            Say(LoadReport.OneLine(measured));
        }

        ContenderResult? tp = result.Contenders.Find(static c => c.Name == "tp");
        if (options.Paced)
        {
            double rate = options.PacedRate ?? (tp is null ? 0 : tp.EventsPerSecond / 2);
            if (rate >= 10)
            {
                string basis = options.PacedRate is null ? "half of tp's drain rate in this run" : "--paced-rate";
                result.Paced = await MeasurePacedAsync(broker, drain, paced, rate, basis, cancellationToken).ConfigureAwait(false);
                Say(LoadReport.OneLine(result.Paced));
            }
            else
            {
                Say("paced mode skipped: no --paced-rate and no tp contender to take half of its rate from");
            }
        }

        result.LoadAverageEnd = MachineInfo.LoadAverage();
        result.Targets = LoadReport.CheckTargets(result);
        return result;
    }

    private async Task<ContenderResult> MeasureAsync(
        string contender, BrokerHost broker, TopicNames topics, long events, ProduceTimeIndex? index, Func<RunClock, Task<PacedInfo>>? pacedRun, CancellationToken cancellationToken)
    {
        double[] loadBefore = MachineInfo.LoadAverage();
        RedisServer? redis = contender == "bare" ? null : await RedisServer.StartAsync().ConfigureAwait(false);
        try
        {
            RedisProbe? probe = redis is null ? null : await RedisProbe.ConnectAsync(redis.Endpoint, cancellationToken).ConfigureAwait(false);
            await using (probe)
            {
                long emptyMemory = 0;
                double redisCpuBefore = 0;
                if (probe is not null)
                {
                    await probe.ResetStatsAsync(cancellationToken).ConfigureAwait(false);
                    emptyMemory = await probe.UsedMemoryAsync(cancellationToken).ConfigureAwait(false);
                    redisCpuBefore = await probe.CpuSecondsAsync(cancellationToken).ConfigureAwait(false);
                }

                var kafka = new KafkaOptions
                {
                    BootstrapServers = broker.BootstrapServers,
                    GroupId = $"perf-{contender}-{Guid.NewGuid():N}",
                    ClientId = "perf-" + contender,
                    Topics = topics,
                    FetchMaxBytes = options.FetchMaxBytes,
                    MaxPartitionFetchBytes = options.MaxPartitionFetchBytes,
                    FetchWaitMaxMs = options.FetchWaitMaxMs,
                    QueuedMaxMessagesKbytes = options.QueuedMaxMessagesKbytes,
                    Debug = options.KafkaDebug,
                };
                var context = new ContenderContext(kafka, events, options.LatencySampleEvery, redis?.Endpoint, options, options.ContenderTimeout);
                double? brokerCpuBefore = broker.CpuSeconds;

                // Start every contender from the same heap state, so one's garbage is not collected on another's clock.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();

                PacedInfo? pacedInfo = null;
                ContenderOutcome outcome;
                Task<PacedInfo>? pacing = null;
                switch (contender)
                {
                    case "bare":
                        outcome = await Task.Run(() => BareConsumeLoop.Run(context, cancellationToken), cancellationToken).ConfigureAwait(false);
                        break;
                    case "naive":
                        outcome = await Task.Run(() => NaivePipeline.RunAsync(context, _codec, cancellationToken), cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        outcome = await TelemetryPipelineContender.RunAsync(
                            contender, context, _codec,
                            pacedRun is null ? null : clock => pacing = pacedRun(clock),
                            cancellationToken).ConfigureAwait(false);
                        break;
                }

                if (pacing is not null)
                {
                    pacedInfo = await pacing.ConfigureAwait(false);
                }

                double? brokerCpu = brokerCpuBefore is { } b && broker.CpuSeconds is { } a ? Math.Round(a - b, 2) : null;
                RunClock clock = outcome.Clock;
                ResourceUsage usage = (clock.Done ?? ResourceSnapshot.Take()) - clock.Start;
                LatencySamples latency = outcome.Latency;
                int unmatched = 0;
                if (outcome.Durable is { } durable)
                {
                    index ??= ProduceTimeIndex.Read(broker.BootstrapServers, topics, _codec, (ulong)options.LatencySampleEvery - 1, cancellationToken);
                    (latency, unmatched) = durable.Join(index);
                }

                long usedMemory = 0;
                long remembered = 0;
                long rememberedKeys = 0;
                double? dedupeBytes = null;
                double? stateBytes = null;
                double? redisCpu = null;
                SortedDictionary<string, long> stats = [];
                if (probe is not null)
                {
                    stats = await probe.CommandCallsAsync(cancellationToken).ConfigureAwait(false);
                    redisCpu = Math.Round(await probe.CpuSecondsAsync(cancellationToken).ConfigureAwait(false) - redisCpuBefore, 2);
                    usedMemory = await probe.UsedMemoryAsync(cancellationToken).ConfigureAwait(false);
                    bool naive = contender == "naive";
                    string dedupePattern = naive ? NaivePipeline.DedupePattern : TelemetryPipelineContender.DedupePattern;
                    (long keys, long fields) = await probe.CountAsync(dedupePattern, cancellationToken).ConfigureAwait(false);
                    remembered = naive ? keys : fields;
                    rememberedKeys = keys;
                    await probe.DeleteMatchingAsync(naive ? NaivePipeline.StatePatterns : TelemetryPipelineContender.StatePatterns, cancellationToken).ConfigureAwait(false);
                    long dedupeOnly = await probe.UsedMemoryAsync(cancellationToken).ConfigureAwait(false);
                    if (remembered > 0)
                    {
                        dedupeBytes = Math.Round((dedupeOnly - emptyMemory) / (double)remembered, 1);
                        stateBytes = Math.Round((usedMemory - emptyMemory) / (double)remembered, 1);
                    }
                }

                long processed = Math.Max(outcome.Events, 1);
                return new ContenderResult
                {
                    Name = outcome.Name,
                    Description = outcome.Description,
                    Events = outcome.Events,
                    ActiveSeconds = Math.Round(clock.ActiveSeconds, 3),
                    WallSeconds = Math.Round(usage.WallSeconds, 3),
                    EventsPerSecond = Math.Round(outcome.Events / Math.Max(clock.ActiveSeconds, 1e-9), 0),
                    Latency = latency.Summarize(),
                    LatencyUnmatched = unmatched,
                    RedisCallsPer1000 = redis is null ? null : Math.Round(outcome.RedisCommands * 1000.0 / processed, 3),
                    RedisCommands = outcome.RedisCommands,
                    RedisRoundTrips = outcome.RedisRoundTrips,
                    RedisCommandStats = stats,
                    RememberedIds = remembered,
                    RememberedIdKeys = rememberedKeys,
                    RedisBytesPerRememberedId = dedupeBytes,
                    RedisStateBytesPerRememberedId = stateBytes,
                    RedisUsedMemoryBytes = usedMemory,
                    RedisCpuSeconds = redisCpu,
                    AllocatedBytes = usage.AllocatedBytes,
                    AllocatedBytesPerEvent = Math.Round(usage.AllocatedBytes / (double)processed, 1),
                    Gen0 = usage.Gen0,
                    Gen1 = usage.Gen1,
                    Gen2 = usage.Gen2,
                    CpuSeconds = Math.Round(usage.CpuSeconds, 2),
                    CpuMicrosecondsPerEvent = Math.Round(usage.CpuSeconds * 1e6 / processed, 2),
                    BrokerCpuSeconds = brokerCpu,
                    ThreadCpuSeconds = clock.ThreadCpuSeconds,
                    Counters = outcome.Counters,
                    Runtime = clock.Runtime,
                    Applies = outcome.Applies,
                    Paced = pacedInfo,
                    LoadAverageBefore = loadBefore,
                    LoadAverageAfter = MachineInfo.LoadAverage(),
                };
            }
        }
        finally
        {
            if (redis is not null)
            {
                await redis.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// TelemetryPipeline consuming the paced topics while a producer (a child process, or a thread in process mode
    /// <see cref="BrokerMode.InProcess"/>) writes them at <paramref name="rate"/>; latency is what this mode is for.
    /// </summary>
    private async Task<ContenderResult> MeasurePacedAsync(
        BrokerHost broker, TopicNames drain, TopicNames paced, double rate, string basis, CancellationToken cancellationToken)
    {
        long events = (long)Math.Min(rate * options.PacedSeconds, options.Events);
        Say(string.Create(CultureInfo.InvariantCulture, $"--- paced: tp consuming while {events:N0} records are produced at {rate:N0}/s ({basis})"));
        Func<RunClock, Task<PacedInfo>> start;
        IAsyncDisposable? child = null;
        if (options.Broker == BrokerMode.Process)
        {
            ChildProcess pacer = ChildProcess.StartSelf([
                "pace", "--bootstrap", broker.BootstrapServers, "--from", DrainPrefix, "--to", PacedPrefix,
                "--rate", rate.ToString("R", CultureInfo.InvariantCulture), "--events", events.ToString(CultureInfo.InvariantCulture)]);
            child = pacer;
            string ready = await pacer.ReadLineStartingAsync(PaceCommand.ReadyPrefix, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            events = long.Parse(ready[PaceCommand.ReadyPrefix.Length..].Trim(), CultureInfo.InvariantCulture);
            start = async clock =>
            {
                await Task.Delay(TimeSpan.FromSeconds(options.PacedStartDelaySeconds), cancellationToken).ConfigureAwait(false);
                clock.MarkAssigned();
                await pacer.WriteLineAsync("go").ConfigureAwait(false);
                string done = await pacer.ReadLineStartingAsync(PaceCommand.DonePrefix, options.ContenderTimeout, cancellationToken).ConfigureAwait(false);
                PacedResult produced = PaceCommand.Parse(done);
                return new PacedInfo(Math.Round(rate), Math.Round(produced.Rate), produced.Produced, produced.MaxBehindMs, basis, produced.FirstSecondMaxAckMs, produced.MaxAckMsAfter);
            };
        }
        else
        {
            PacedProducer pacer = PacedProducer.Load(broker.BootstrapServers, drain, events);
            pacer.Prepare(broker.BootstrapServers, paced);
            child = new AsyncDisposer(pacer);
            events = pacer.Count;
            start = clock => Task.Run(
                async () =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(options.PacedStartDelaySeconds), cancellationToken).ConfigureAwait(false);
                    clock.MarkAssigned();
                    PacedResult produced = pacer.Run(broker.BootstrapServers, paced, rate, cancellationToken);
                    return new PacedInfo(Math.Round(rate), Math.Round(produced.Rate), produced.Produced, produced.MaxBehindMs, basis, produced.FirstSecondMaxAckMs, produced.MaxAckMsAfter);
                },
                cancellationToken);
        }

        try
        {
            return await MeasureAsync("tp-paced", broker, paced, events, null, start, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (child is not null)
            {
                await child.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class AsyncDisposer(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private void Say(string line)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {line}"));
        output.Flush();
    }

    private static string Format(double[] load) => load.Length == 0 ? "unknown" : string.Join(" ", load.Select(static l => l.ToString("0.00", CultureInfo.InvariantCulture)));
}

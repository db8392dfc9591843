using System.Diagnostics;
using System.Globalization;

namespace TelemetryPipeline.Perf.Load;

/// <summary>Process CPU, managed allocations and GC counts at one instant; differences give a contender's cost.</summary>
internal readonly record struct ResourceSnapshot(double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long Timestamp)
{
    public static ResourceSnapshot Take() => new(
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        GC.GetTotalAllocatedBytes(precise: true),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        Stopwatch.GetTimestamp());

    public static ResourceUsage operator -(ResourceSnapshot after, ResourceSnapshot before) => new(
        after.CpuSeconds - before.CpuSeconds,
        after.AllocatedBytes - before.AllocatedBytes,
        after.Gen0 - before.Gen0,
        after.Gen1 - before.Gen1,
        after.Gen2 - before.Gen2,
        Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds);
}

internal sealed record ResourceUsage(double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, double WallSeconds);

/// <summary>
/// CPU time per thread of this process from <c>/proc/self/task</c>, grouped by thread name (digits folded), so that a
/// run shows whether librdkafka's threads (<c>rdk:*</c>), the consume loop or the thread pool (decode, apply) dominate.
/// This is the cheap always-on profile; <c>dotnet-trace</c> or <c>perf</c> give the deep one (see the README).
/// </summary>
internal static class ThreadCpu
{
    private static readonly double s_ticksPerSecond = 100.0;

    /// <summary>Per-thread (id → name, CPU seconds); empty where /proc is unavailable.</summary>
    public static Dictionary<int, (string Name, double Seconds)> Snapshot()
    {
        var threads = new Dictionary<int, (string, double)>();
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    int open = stat.IndexOf('(', StringComparison.Ordinal);
                    int close = stat.LastIndexOf(')');
                    string name = stat[(open + 1)..close];
                    string[] fields = stat[(close + 2)..].Split(' ');

                    // After "(comm) ": state is field 3, utime field 14 and stime field 15 of the full line.
                    double ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                    threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (name, ticks / s_ticksPerSecond);
                }
                catch (IOException)
                {
                    // The thread ended while we looked.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return threads;
    }

    /// <summary>CPU seconds per thread-name group spent between two snapshots (threads born in between count from zero).</summary>
    public static SortedDictionary<string, double> Delta(Dictionary<int, (string Name, double Seconds)> before, Dictionary<int, (string Name, double Seconds)> after)
    {
        var groups = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach ((int id, (string name, double seconds)) in after)
        {
            double start = before.TryGetValue(id, out var earlier) && earlier.Name == name ? earlier.Seconds : 0;
            double used = seconds - start;
            if (used <= 0)
            {
                continue;
            }

            string group = Fold(name);
            groups[group] = Math.Round(groups.GetValueOrDefault(group) + used, 2);
        }

        return groups;
    }

    private static string Fold(string name)
    {
        Span<char> folded = stackalloc char[name.Length];
        int n = 0;
        foreach (char c in name)
        {
            if (!char.IsAsciiDigit(c))
            {
                folded[n++] = c;
            }
        }

        return new string(folded[..n]).Trim();
    }
}

/// <summary>
/// Latency samples (ms) with the UTC ms at which each record became durable, in buffers allocated before the
/// measurement starts, so recording allocates nothing.
/// </summary>
internal sealed class LatencySamples
{
    private readonly double[] _samples;
    private readonly long[] _at;
    private int _count;

    public LatencySamples(int capacity)
    {
        _samples = new double[Math.Max(16, capacity)];
        _at = new long[_samples.Length];
    }

    public int Count => Math.Min(Volatile.Read(ref _count), _samples.Length);

    public void Add(double milliseconds, long durableUtcMs)
    {
        int slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _samples.Length)
        {
            _samples[slot] = milliseconds;
            _at[slot] = durableUtcMs;
        }
    }

    /// <param name="warmupSeconds">Samples durable within this many seconds of the first are left out of the steady-state p99.</param>
    public LatencySummary Summarize(double warmupSeconds = 2)
    {
        int n = Count;
        if (n == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, []);
        }

        double[] sorted = _samples[..n];
        Array.Sort(sorted);
        long first = long.MaxValue;
        for (int i = 0; i < n; i++)
        {
            first = Math.Min(first, _at[i]);
        }

        var steady = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            if (_at[i] - first >= warmupSeconds * 1000)
            {
                steady.Add(_samples[i]);
            }
        }

        double[] steadySorted = [.. steady];
        Array.Sort(steadySorted);
        double steadyP99 = steadySorted.Length == 0 ? double.NaN : Percentile(steadySorted, 0.99);
        return new LatencySummary(n, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1], Percentile(sorted, 0.999), steadyP99, Timeline(n));
    }

    /// <summary>
    /// Percentiles per second of durable time (Unix seconds, to line up with <see cref="RuntimeSampler"/>): shows whether a
    /// p99 comes from a start-up burst, GC pauses or the steady state.
    /// </summary>
    private List<LatencyWindow> Timeline(int n)
    {
        var windows = new SortedDictionary<long, List<double>>();
        for (int i = 0; i < n; i++)
        {
            long second = _at[i] / 1000;
            if (!windows.TryGetValue(second, out List<double>? list))
            {
                windows[second] = list = [];
            }

            list.Add(_samples[i]);
        }

        var timeline = new List<LatencyWindow>(windows.Count);
        foreach ((long second, List<double> list) in windows)
        {
            double[] sorted = [.. list];
            Array.Sort(sorted);
            timeline.Add(new LatencyWindow(second, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]));
        }

        return timeline;
    }

    private static double Percentile(double[] sorted, double p) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 1);
}

/// <summary>
/// Produce-to-durable latency percentiles in milliseconds, overall and per second of the run. <see cref="SteadyP99Ms"/>
/// leaves out the first 2 s (the consumer's idle-to-busy transition when a paced producer starts).
/// </summary>
internal sealed record LatencySummary(int Samples, double P50Ms, double P99Ms, double MaxMs, double P999Ms, double SteadyP99Ms, List<LatencyWindow> PerSecond);

/// <summary>Latency of the records that became durable in one second (Unix time) of the run.</summary>
internal sealed record LatencyWindow(long Second, int Samples, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Load average and machine facts, recorded with every result.</summary>
internal static class MachineInfo
{
    public static double[] LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return [double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    public static string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
}

/// <summary>What the runtime did in one second (Unix time) of a run: thread pool size and backlog, GC pauses.</summary>
internal sealed record RuntimeWindow(long Second, int MaxThreadPoolThreads, long MaxQueuedWorkItems, double GcPauseMs, int Gen0, int Gen2);

/// <summary>
/// Samples the thread pool and GC every 100 ms on a dedicated thread, so a latency spike can be matched with thread
/// pool starvation (few threads, a growing queue) or a GC pause in the same second.
/// </summary>
internal sealed class RuntimeSampler : IDisposable
{
    private readonly List<RuntimeWindow> _windows = [];
    private readonly Thread _thread;
    private volatile bool _stop;

    public RuntimeSampler()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "perf-sampler" };
        _thread.Start();
    }

    public List<RuntimeWindow> Windows
    {
        get
        {
            lock (_windows)
            {
                return [.. _windows];
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Loop()
    {
        long second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int threads = 0;
        long queued = 0;
        TimeSpan pauseStart = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0);
        int gen2 = GC.CollectionCount(2);
        while (!_stop)
        {
            Thread.Sleep(100);
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (now != second)
            {
                TimeSpan pause = GC.GetTotalPauseDuration();
                lock (_windows)
                {
                    _windows.Add(new RuntimeWindow(
                        second, threads, queued, Math.Round((pause - pauseStart).TotalMilliseconds, 1),
                        GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2));
                }

                second = now;
                threads = 0;
                queued = 0;
                pauseStart = pause;
                gen0 = GC.CollectionCount(0);
                gen2 = GC.CollectionCount(2);
            }

            threads = Math.Max(threads, ThreadPool.ThreadCount);
            queued = Math.Max(queued, ThreadPool.PendingWorkItemCount);
        }
    }
}

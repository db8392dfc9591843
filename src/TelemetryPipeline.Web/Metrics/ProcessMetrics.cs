using System.Diagnostics;

namespace TelemetryPipeline.Web.Metrics;

/// <summary>Process and runtime metrics under the names the Prometheus client libraries use, read at scrape time.</summary>
internal static class ProcessMetrics
{
    public static void AddTo(List<MetricFamily> families)
    {
        using Process process = Process.GetCurrentProcess();
        families.Add(Single("process_cpu_seconds", MetricKind.Counter, "Total user and system CPU time spent in seconds.", process.TotalProcessorTime.TotalSeconds));
        families.Add(Single("process_resident_memory_bytes", MetricKind.Gauge, "Resident memory size in bytes.", Environment.WorkingSet));
        families.Add(Single("process_virtual_memory_bytes", MetricKind.Gauge, "Virtual memory size in bytes.", process.VirtualMemorySize64));
        families.Add(Single(
            "process_start_time_seconds",
            MetricKind.Gauge,
            "Start time of the process since unix epoch in seconds.",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0));
        families.Add(Single("process_threads", MetricKind.Gauge, "Number of OS threads in the process.", process.Threads.Count));
        if (Directory.Exists("/proc/self/fd"))
        {
            families.Add(Single("process_open_fds", MetricKind.Gauge, "Number of open file descriptors.", Directory.GetFileSystemEntries("/proc/self/fd").Length));
        }

        var collections = new List<MetricSeries>(GC.MaxGeneration + 1);
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            collections.Add(new MetricSeries([new("generation", "gen" + generation)], GC.CollectionCount(generation)));
        }

        families.Add(new MetricFamily("dotnet_gc_collections", MetricKind.Counter, "Garbage collections since the process started, by generation.", collections));
        families.Add(Single("dotnet_gc_heap_bytes", MetricKind.Gauge, "Bytes currently thought to be allocated on the managed heap.", GC.GetTotalMemory(false)));
        families.Add(Single("dotnet_gc_allocated_bytes", MetricKind.Counter, "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes()));
        families.Add(Single("dotnet_gc_pause_seconds", MetricKind.Counter, "Time the runtime was paused for garbage collection.", GC.GetTotalPauseDuration().TotalSeconds));
        families.Add(Single("dotnet_threadpool_threads", MetricKind.Gauge, "Thread pool threads.", ThreadPool.ThreadCount));
        families.Add(Single("dotnet_threadpool_queue_length", MetricKind.Gauge, "Work items queued to the thread pool.", ThreadPool.PendingWorkItemCount));
        families.Add(Single("dotnet_threadpool_completed_items", MetricKind.Counter, "Work items the thread pool has completed.", ThreadPool.CompletedWorkItemCount));
    }

    private static MetricFamily Single(string name, MetricKind kind, string help, double value) =>
        new(name, kind, help, [new MetricSeries([], value)]);
}

namespace TelemetryPipeline.Generator;

/// <summary>
/// What fleet and week of data to generate. Immutable; <see cref="Validate"/> names the bad key.
/// The same options (and seed) always give the same records, byte for byte.
/// </summary>
public sealed record ScenarioOptions
{
    /// <summary>Longest supported window: valid data must stay inside the 30-day dedupe retention with room to replay.</summary>
    public const int MaxDays = 21;

    public int Seed { get; init; } = 42;

    /// <summary>Fleet size (canonical ids EX-0001…). Raised automatically to reach <see cref="TargetEvents"/>.</summary>
    public int Machines { get; init; } = 50;

    /// <summary>Number of projects (PRJ-1001…).</summary>
    public int Projects { get; init; } = 5;

    /// <summary>Days of data, ending at <see cref="End"/>.</summary>
    public int Days { get; init; } = 7;

    /// <summary>End of the data window (exclusive), UTC. Default: today 00:00 UTC, so every day is in the past.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>
    /// The processing time the expected rejections are computed for. Default <see cref="End"/> + 1 hour.
    /// The injected far-future and beyond-retention events are placed far enough out that the expectations
    /// hold for any processing time between End and End + 7 days.
    /// </summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Share of telemetry records re-sent later with the same bytes (0..1).</summary>
    public double DuplicateShare { get; init; } = 0.10;

    /// <summary>Share of delta records delivered an hour or more after later records of the same machine (0..1).</summary>
    public double OutOfOrderShare { get; init; } = 0.02;

    /// <summary>Share of telemetry records held back and delivered after everything else (0..1); late meter readings become late-reading incidents.</summary>
    public double LateShare { get; init; } = 0.002;

    /// <summary>Number of bad records (each one rejection reason, cycling through <see cref="MalformedKind"/>).</summary>
    public int MalformedCount { get; init; } = 13;

    /// <summary>Number of meter resets (operating and fuel meters, alternately).</summary>
    public int MeterResets { get; init; } = 2;

    /// <summary>Number of absurd operating-meter jumps (anomalies).</summary>
    public int MeterAnomalies { get; init; } = 1;

    /// <summary>Identifiers (non-canonical schemes) that never get an alias, so their quantities are unresolved.</summary>
    public int UnaliasedIdentifiers { get; init; } = 2;

    /// <summary>Approximate number of telemetry records wanted; raises <see cref="Machines"/> to get there (null: use Machines as is).</summary>
    public long? TargetEvents { get; init; }

    /// <summary>The dedupe retention the rejection rules use (30 days).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The end of the window in UTC milliseconds.</summary>
    public long EndMs
    {
        get
        {
            if (End is { } end)
            {
                return end.ToUnixTimeMilliseconds();
            }

            var today = DateTimeOffset.UtcNow.UtcDateTime.Date;
            return new DateTimeOffset(today, TimeSpan.Zero).ToUnixTimeMilliseconds();
        }
    }

    /// <summary>The processing time in UTC milliseconds (see <see cref="Now"/>).</summary>
    public long NowMs => Now is { } now ? now.ToUnixTimeMilliseconds() : EndMs + 3_600_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option and its allowed range.</summary>
    public void Validate()
    {
        Range(nameof(Machines), Machines, 1, 1_000_000);
        Range(nameof(Projects), Projects, 1, 9000);
        Range(nameof(Days), Days, 1, MaxDays);
        Share(nameof(DuplicateShare), DuplicateShare);
        Share(nameof(OutOfOrderShare), OutOfOrderShare);
        Share(nameof(LateShare), LateShare);
        Range(nameof(MalformedCount), MalformedCount, 0, 1_000_000);
        Range(nameof(MeterResets), MeterResets, 0, 1000);
        Range(nameof(MeterAnomalies), MeterAnomalies, 0, 1000);
        Range(nameof(UnaliasedIdentifiers), UnaliasedIdentifiers, 0, 1000);
        if (TargetEvents is { } target && (target < 1 || target > 100_000_000))
        {
            throw new ArgumentException($"Generator:TargetEvents must be between 1 and 100000000 (got {target}).", nameof(TargetEvents));
        }

        if (Retention < TimeSpan.FromDays(MaxDays + 2))
        {
            throw new ArgumentException($"Generator:Retention must be at least {MaxDays + 2} days (got {Retention}).", nameof(Retention));
        }

        long now = NowMs;
        long end = EndMs;
        if (now < end || now > end + TimeSpan.FromDays(7).Ticks / TimeSpan.TicksPerMillisecond)
        {
            throw new ArgumentException("Generator:Now must be between End and End + 7 days.", nameof(Now));
        }
    }

    private static void Range(string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException($"Generator:{name} must be between {min} and {max} (got {value}).", name);
        }
    }

    private static void Share(string name, double value)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentException($"Generator:{name} must be a share between 0 and 1 (got {value}).", name);
        }
    }
}

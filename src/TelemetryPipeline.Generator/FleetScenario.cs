using System.Globalization;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

/// <summary>
/// A deterministic construction-fleet week: master data (aliases, assignments, rates) and usage, idle and
/// fuel telemetry with duplicates, out-of-order and late deliveries, meter resets and anomalies and bad
/// records, as Kafka records in produce order. Pure: the bytes come from an <see cref="ITelemetryEncoder"/>.
/// </summary>
public sealed partial class FleetScenario
{
    internal const long MinuteMs = 60_000;
    internal const long HourMs = 3_600_000;
    internal const long DayMs = 86_400_000;

    /// <summary>Average telemetry records (duplicates included) per machine per day of the default mix; sizes <see cref="ScenarioOptions.TargetEvents"/>.</summary>
    internal const double RecordsPerMachineDay = 30.0;

    private static readonly ScenarioProject[] s_namedProjects =
    [
        new("PRJ-1001", "Riverside Medical Center", "USD", "America/Chicago", -6),
        new("PRJ-1002", "I-35 Interchange Rebuild", "USD", "America/Chicago", -6),
        new("PRJ-1003", "Harbor Logistics Hub", "USD", "America/Los_Angeles", -8),
        new("PRJ-1004", "Northgate Tower", "CAD", "America/Toronto", -5),
        new("PRJ-1005", "Lakeside Water Treatment Plant", "USD", "America/New_York", -5),
    ];

    private readonly ITelemetryEncoder _encoder;
    private readonly MachinePlan[] _plans;
    private readonly List<MasterDataItem> _masterData = [];
    private readonly List<EquipmentAlias> _aliases = [];
    private readonly List<EquipmentAssignment> _assignments = [];
    private readonly List<EquipmentRate> _rates = [];

    /// <summary>Builds the fleet and its master data; telemetry is produced lazily by <see cref="Generate"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public FleetScenario(ScenarioOptions options, ITelemetryEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(encoder);
        options.Validate();
        Options = options;
        _encoder = encoder;
        EndMs = options.EndMs;
        StartMs = EndMs - (options.Days * DayMs);
        NowMs = options.NowMs;

        int machines = options.Machines;
        if (options.TargetEvents is { } target)
        {
            long needed = (long)Math.Ceiling(target / (RecordsPerMachineDay * options.Days));
            machines = (int)Math.Clamp(needed, machines, 1_000_000);
        }

        Projects = BuildProjects(options.Projects);
        _plans = BuildFleet(machines);
        Machines = Array.ConvertAll(_plans, p => p.Machine);
        BuildMasterData();
    }

    public ScenarioOptions Options { get; }

    /// <summary>Start of the data window (inclusive), UTC ms.</summary>
    public long StartMs { get; }

    /// <summary>End of the data window (exclusive), UTC ms; every valid eventTime is before it.</summary>
    public long EndMs { get; }

    /// <summary>The processing time the expected rejections assume, UTC ms.</summary>
    public long NowMs { get; }

    public IReadOnlyList<ScenarioProject> Projects { get; }

    public IReadOnlyList<ScenarioMachine> Machines { get; }

    /// <summary>Every alias record produced (one of them mid-window).</summary>
    public IReadOnlyList<EquipmentAlias> Aliases => _aliases;

    /// <summary>The final state of every assignment key (the mover's first assignment with its validTo set).</summary>
    public IReadOnlyList<EquipmentAssignment> Assignments => _assignments;

    public IReadOnlyList<EquipmentRate> Rates => _rates;

    /// <summary>Identifiers as sent (<c>scheme:value</c>) that no alias resolves.</summary>
    public IReadOnlyList<string> UnresolvedIdentifiers { get; private set; } = [];

    /// <summary>The machine that changes project mid-window, or null with one project.</summary>
    public string? MovingEquipmentId { get; private set; }

    /// <summary>When the moving machine changes project, UTC ms.</summary>
    public long MoveTimeMs { get; private set; }

    /// <summary>The machine with no assignment at all.</summary>
    public string? UnassignedEquipmentId { get; private set; }

    /// <summary>The machine with no rate card.</summary>
    public string? UnratedEquipmentId { get; private set; }

    /// <summary>The machine whose rate currency differs from its project's.</summary>
    public string? CurrencyMismatchEquipmentId { get; private set; }

    /// <summary>The machine whose rate changes mid-window.</summary>
    public string? RateChangeEquipmentId { get; private set; }

    /// <summary>A rough count of the records <see cref="Generate"/> yields (for progress bars).</summary>
    public long EstimatedRecordCount =>
        (long)(Machines.Count * Options.Days * RecordsPerMachineDay) + _masterData.Count + Options.MalformedCount;

    /// <summary>
    /// The scenario's records in produce order: master data first, then telemetry by delivery time (with
    /// duplicates re-sent later and a few master-data updates mid-window), then the late records. Lazy and
    /// re-enumerable; every enumeration yields the same records.
    /// </summary>
    public IEnumerable<GeneratedRecord> Generate() => new Run(this).Records();

    private static ScenarioProject[] BuildProjects(int count)
    {
        var projects = new ScenarioProject[count];
        for (var i = 0; i < count; i++)
        {
            projects[i] = i < s_namedProjects.Length
                ? s_namedProjects[i]
                : new ScenarioProject(
                    "PRJ-" + (1001 + i).ToString(CultureInfo.InvariantCulture),
                    "Project " + (1001 + i).ToString(CultureInfo.InvariantCulture),
                    "USD",
                    "UTC",
                    0);
        }

        return projects;
    }

    private MachinePlan[] BuildFleet(int count)
    {
        var plans = new MachinePlan[count];
        for (var i = 0; i < count; i++)
        {
            plans[i] = MachinePlan.Create(Options.Seed, i, i % Projects.Count, Projects[i % Projects.Count]);
        }

        // Roles, chosen deterministically so each is present in every fleet big enough for it.
        var taken = new bool[count];
        int mover = Find(plans, taken, p => p.Machine.Mode == ReportingMode.Meters, fromEnd: false);
        int rateChange = Find(plans, taken, p => p.Machine.Mode != ReportingMode.FieldApp, fromEnd: false);
        int unassigned = Find(plans, taken, p => p.Machine.Mode is ReportingMode.HourlyDeltas or ReportingMode.IntervalFreeDeltas, fromEnd: true);
        int unrated = Find(plans, taken, p => p.Machine.Mode != ReportingMode.FieldApp, fromEnd: true);
        int mismatch = Find(plans, taken, p => p.Machine.Mode != ReportingMode.FieldApp && p.Project.Currency != "USD", fromEnd: false);
        if (mismatch < 0)
        {
            mismatch = Find(plans, taken, p => p.Machine.Mode != ReportingMode.FieldApp, fromEnd: false);
        }

        var unaliased = new List<int>();
        for (var k = 0; k < Options.UnaliasedIdentifiers; k++)
        {
            int u = Find(plans, taken, p => p.Machine.Identifier.Scheme != EquipmentRef.CanonicalScheme && p.Index >= count / 2 && !unaliased.Contains(p.Index), fromEnd: true);
            if (u >= 0)
            {
                unaliased.Add(u);
            }
        }

        int lateAlias = Find(plans, taken, p => p.Machine.Identifier.Scheme != EquipmentRef.CanonicalScheme, fromEnd: false);

        if (mover >= 0 && Projects.Count > 1)
        {
            plans[mover].IsMover = true;
            MovingEquipmentId = plans[mover].Machine.EquipmentId;
            MoveTimeMs = StartMs + ((Options.Days / 2) * DayMs) + (18 * HourMs);
        }

        if (rateChange >= 0)
        {
            plans[rateChange].HasRateChange = true;
            RateChangeEquipmentId = plans[rateChange].Machine.EquipmentId;
        }

        if (unassigned >= 0)
        {
            plans[unassigned].Machine = plans[unassigned].Machine with { ProjectCode = null };
            UnassignedEquipmentId = plans[unassigned].Machine.EquipmentId;
        }

        if (unrated >= 0)
        {
            plans[unrated].Machine = plans[unrated].Machine with { HasRate = false };
            UnratedEquipmentId = plans[unrated].Machine.EquipmentId;
        }

        if (mismatch >= 0)
        {
            plans[mismatch].CurrencyMismatch = true;
            CurrencyMismatchEquipmentId = plans[mismatch].Machine.EquipmentId;
        }

        var unresolved = new List<string>();
        foreach (int u in unaliased)
        {
            plans[u].Machine = plans[u].Machine with { Resolvable = false };
            unresolved.Add(plans[u].Key);
        }

        UnresolvedIdentifiers = unresolved;
        if (lateAlias >= 0)
        {
            plans[lateAlias].LateAlias = true;
        }

        // Meter incidents go to meter-reporting machines not used for another role.
        int resets = 0;
        int anomalies = 0;
        for (var i = 0; i < count && (resets < Options.MeterResets || anomalies < Options.MeterAnomalies); i++)
        {
            if (taken[i] || plans[i].Machine.Mode != ReportingMode.Meters)
            {
                continue;
            }

            if (resets < Options.MeterResets)
            {
                plans[i].ResetMeter = resets % 2 == 0 ? Measure.OperatingMs : Measure.FuelBurnMl;
                resets++;
            }
            else
            {
                plans[i].Anomaly = true;
                anomalies++;
            }

            taken[i] = true;
        }

        return plans;
    }

    private static int Find(MachinePlan[] plans, bool[] taken, Func<MachinePlan, bool> fits, bool fromEnd)
    {
        for (var k = 0; k < plans.Length; k++)
        {
            int i = fromEnd ? plans.Length - 1 - k : k;
            if (!taken[i] && fits(plans[i]))
            {
                taken[i] = true;
                return i;
            }
        }

        return -1;
    }

    private void BuildMasterData()
    {
        long before = StartMs - DayMs;
        long assignedFrom = StartMs - (60 * DayMs);
        long ratedFrom = StartMs - (90 * DayMs);
        foreach (var plan in _plans)
        {
            var m = plan.Machine;
            if (m.Identifier.Scheme != EquipmentRef.CanonicalScheme && m.Resolvable)
            {
                var alias = new EquipmentAlias(m.Identifier.Scheme, m.Identifier.Value, m.EquipmentId);
                _aliases.Add(alias);
                long at = plan.LateAlias ? StartMs + ((Options.Days / 2) * DayMs) + (9 * HourMs) : before;
                _masterData.Add(new MasterDataItem(GeneratedTopic.Aliases, m.Identifier.Key, alias, WireFormat.SingleObject, at));
            }

            if (m.ProjectCode is { } project)
            {
                var first = new EquipmentAssignment(m.EquipmentId, project, m.CostCode, assignedFrom, null);
                _masterData.Add(new MasterDataItem(GeneratedTopic.Assignments, AssignmentKey(first), first, WireFormat.Confluent, before));
                if (plan.IsMover)
                {
                    // The move is planned on site and reaches the master-data system a few hours later.
                    var next = Projects[(plan.ProjectIndex + 1) % Projects.Count];
                    var closed = first with { ValidToMs = MoveTimeMs };
                    var moved = new EquipmentAssignment(m.EquipmentId, next.Code, m.AlternateCostCode, MoveTimeMs, null);
                    long at = MoveTimeMs + (3 * HourMs);
                    _masterData.Add(new MasterDataItem(GeneratedTopic.Assignments, AssignmentKey(closed), closed, WireFormat.Confluent, at));
                    _masterData.Add(new MasterDataItem(GeneratedTopic.Assignments, AssignmentKey(moved), moved, WireFormat.Confluent, at));
                    _assignments.Add(closed);
                    _assignments.Add(moved);
                }
                else
                {
                    _assignments.Add(first);
                }
            }

            if (m.HasRate)
            {
                string currency = plan.Project.Currency;
                if (plan.CurrencyMismatch)
                {
                    currency = currency == "USD" ? "CAD" : "USD";
                }

                var rate = new EquipmentRate(
                    m.EquipmentId, m.Ownership, plan.OperatingRate, plan.IdleRate, plan.FuelIncluded, plan.FuelPricePerLiter, currency, ratedFrom);
                _rates.Add(rate);
                _masterData.Add(new MasterDataItem(GeneratedTopic.Rates, RateKey(rate), rate, WireFormat.Confluent, before));
                if (plan.HasRateChange)
                {
                    // A renegotiated rate from the middle of the window; UTC midnight, so it applies from the next local day on.
                    var raised = rate with
                    {
                        OperatingRate = decimal.Round(rate.OperatingRate * 1.075m, 2, MidpointRounding.AwayFromZero),
                        ValidFromMs = StartMs + ((Options.Days / 2) * DayMs),
                    };
                    _rates.Add(raised);
                    _masterData.Add(new MasterDataItem(GeneratedTopic.Rates, RateKey(raised), raised, WireFormat.Confluent, before));
                }
            }
        }
    }

    /// <summary>The Kafka key of an assignment: <c>equipmentId|validFrom</c> (validFrom in UTC ms).</summary>
    public static string AssignmentKey(EquipmentAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return assignment.EquipmentId + "|" + assignment.ValidFromMs.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The Kafka key of a rate card: <c>equipmentId|validFrom</c> (validFrom in UTC ms).</summary>
    public static string RateKey(EquipmentRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return rate.EquipmentId + "|" + rate.ValidFromMs.ToString(CultureInfo.InvariantCulture);
    }

    private sealed record MasterDataItem(GeneratedTopic Topic, string Key, object Record, WireFormat Format, long DeliveryMs);
}

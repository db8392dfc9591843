using System.Globalization;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Settlement;

namespace TelemetryPipeline.Web.Utilization;

/// <summary>Turns buckets, meter incidents and master data into a <see cref="UtilizationReport"/>; pure, no I/O.</summary>
public static class UtilizationCalculator
{
    /// <summary>The longest range a report covers (a week view plus slack); longer ranges are refused by callers.</summary>
    public const int MaxDays = 31;

    private const int UnixEpochDayNumber = 719_162;

    /// <summary>The UTC days whose buckets can fall into local days <paramref name="from"/>..<paramref name="to"/> of any zone.</summary>
    public static IReadOnlyList<long> UtcDaysToRead(DateOnly from, DateOnly to)
    {
        var days = new List<long>();
        for (long day = from.DayNumber - UnixEpochDayNumber - 1; day <= to.DayNumber - UnixEpochDayNumber + 1; day++)
        {
            days.Add(day);
        }

        return days;
    }

    public static UtilizationReport Compute(
        IReadOnlyList<BucketEntry> buckets,
        IReadOnlyList<MeterIncident> incidents,
        MasterDataSnapshot snapshot,
        DateOnly from,
        DateOnly to,
        string? projectFilter,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(incidents);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (to < from)
        {
            throw new ArgumentException("The range ends before it starts.", nameof(to));
        }

        projectFilter = string.IsNullOrWhiteSpace(projectFilter) ? null : projectFilter.Trim();
        ProjectCalendar viewCalendar = snapshot.GetCalendar(projectFilter);
        long timelineStart = viewCalendar.StartOfDayUtcMs(from);
        long timelineEnd = viewCalendar.EndOfDayUtcMs(to);
        int cells = (int)((timelineEnd - timelineStart) / BucketMath.BucketMs);

        var projects = new Dictionary<string, Dictionary<DateOnly, UsageTotals>>(StringComparer.Ordinal);
        var machines = new Dictionary<string, MachineAccumulator>(StringComparer.Ordinal);
        var unknown = new Dictionary<string, IssueAccumulator>(StringComparer.Ordinal);
        var unassigned = new Dictionary<string, IssueAccumulator>(StringComparer.Ordinal);
        var priced = new Dictionary<(string Equipment, string Project, DateOnly Day), UsageTotals>();

        foreach (BucketEntry bucket in buckets)
        {
            BucketAttribution attribution = snapshot.Attribute(bucket.Identifier, bucket.BucketStartMs, bucket.ProjectCode, bucket.CostCode);
            if (projectFilter is not null && !string.Equals(attribution.ProjectCode, projectFilter, StringComparison.Ordinal))
            {
                continue;
            }

            DateOnly day = snapshot.GetCalendar(attribution.ProjectCode).PeriodOf(bucket.BucketStartMs);
            bool inRange = day >= from && day <= to;
            string machineKey = attribution.EquipmentId ?? bucket.Identifier;
            if (inRange)
            {
                string projectKey = attribution.ProjectCode ?? string.Empty;
                if (!projects.TryGetValue(projectKey, out Dictionary<DateOnly, UsageTotals>? perDay))
                {
                    perDay = [];
                    projects[projectKey] = perDay;
                }

                perDay[day] = perDay.GetValueOrDefault(day).Add(bucket.Measure, bucket.Amount);

                MachineAccumulator machine = Machine(machines, machineKey, attribution.EquipmentId is not null, cells);
                machine.Totals = machine.Totals.Add(bucket.Measure, bucket.Amount);
                machine.Identifiers.Add(bucket.Identifier);
                if (attribution.ProjectCode is not null)
                {
                    machine.Projects.Add(attribution.ProjectCode);
                }

                if (attribution.CostCode is not null)
                {
                    machine.CostCodes.Add(attribution.CostCode);
                }

                switch (attribution.Outcome)
                {
                    case AttributionOutcome.UnresolvedIdentifier:
                        Issue(unknown, bucket.Identifier).Add(bucket);
                        break;
                    case AttributionOutcome.NoAssignment:
                        Issue(unassigned, machineKey).Add(bucket);
                        break;
                    case AttributionOutcome.Attributed when bucket.Measure != Measure.FuelFillMl:
                        var key = (attribution.EquipmentId!, attribution.ProjectCode!, day);
                        priced[key] = priced.GetValueOrDefault(key).Add(bucket.Measure, bucket.Amount);
                        break;
                }
            }

            long offset = bucket.BucketStartMs - timelineStart;
            if (offset >= 0 && bucket.BucketStartMs < timelineEnd
                && (bucket.Measure == Measure.OperatingMs || bucket.Measure == Measure.IdleMs))
            {
                MachineAccumulator machine = Machine(machines, machineKey, attribution.EquipmentId is not null, cells);
                int cell = (int)(offset / BucketMath.BucketMs);
                if (bucket.Measure == Measure.OperatingMs)
                {
                    machine.TimelineOperating[cell] += bucket.Amount;
                }
                else
                {
                    machine.TimelineIdle[cell] += bucket.Amount;
                }
            }
        }

        var issues = new List<UtilizationIssue>();
        foreach ((string identifier, IssueAccumulator acc) in unknown.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            issues.Add(new UtilizationIssue(
                UtilizationIssueKinds.UnknownIdentifier,
                identifier,
                $"No alias maps the identifier {identifier} to a machine ({acc.Range()}).",
                $"Publish an EquipmentAlias ({Scheme(identifier)} → canonical equipment id) on the aliases topic. The next settlement attributes these quantities (as a revision for periods already settled); until then they are listed as unresolved_identifier exceptions.",
                acc.Totals));
        }

        foreach ((string machine, IssueAccumulator acc) in unassigned.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            issues.Add(new UtilizationIssue(
                UtilizationIssueKinds.NoAssignment,
                machine,
                $"{machine} has no assignment to a project and cost code for {acc.Range()}, and its events carried no codes.",
                $"Publish an EquipmentAssignment for {machine} whose validFrom/validTo cover that time on the assignments topic (or have the field app send projectCode and costCode). Until then these quantities are no_assignment exceptions.",
                acc.Totals));
        }

        AddRateIssues(snapshot, priced, issues);
        AddIncidentIssues(incidents, snapshot, machines, projectFilter, timelineStart, timelineEnd, issues);

        var dayList = new List<DayUsage>();
        var projectList = new List<ProjectUsage>();
        UsageTotals total = default;
        var perDayTotals = new Dictionary<DateOnly, UsageTotals>();
        foreach ((string code, Dictionary<DateOnly, UsageTotals> perDay) in projects.OrderBy(static p => p.Key.Length == 0 ? 1 : 0).ThenBy(static p => p.Key, StringComparer.Ordinal))
        {
            var days = new List<DayUsage>();
            UsageTotals projectTotal = default;
            for (DateOnly d = from; d <= to; d = d.AddDays(1))
            {
                UsageTotals t = perDay.GetValueOrDefault(d);
                days.Add(new DayUsage(d, t));
                projectTotal += t;
                perDayTotals[d] = perDayTotals.GetValueOrDefault(d) + t;
            }

            total += projectTotal;
            projectList.Add(code.Length == 0
                ? new ProjectUsage(null, "(no project)", projectTotal, days)
                : new ProjectUsage(code, snapshot.GetProject(code).Name ?? code, projectTotal, days));
        }

        for (DateOnly d = from; d <= to; d = d.AddDays(1))
        {
            dayList.Add(new DayUsage(d, perDayTotals.GetValueOrDefault(d)));
        }

        var machineList = new List<MachineUsage>(machines.Count);
        foreach (MachineAccumulator m in machines.Values.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            machineList.Add(new MachineUsage(
                m.Key,
                m.Resolved,
                [.. m.Identifiers.Order(StringComparer.Ordinal)],
                [.. m.Projects.Order(StringComparer.Ordinal)],
                [.. m.CostCodes.Order(StringComparer.Ordinal)],
                m.Totals,
                m.TimelineOperating,
                m.TimelineIdle));
        }

        return new UtilizationReport(
            from,
            to,
            projectFilter,
            viewCalendar.Zone.Id,
            timelineStart,
            timelineEnd,
            total,
            dayList,
            projectList,
            machineList,
            issues,
            now);
    }

    private static void AddRateIssues(
        MasterDataSnapshot snapshot, Dictionary<(string Equipment, string Project, DateOnly Day), UsageTotals> priced, List<UtilizationIssue> issues)
    {
        foreach (var group in priced.Where(static p => !p.Value.IsZero)
                     .GroupBy(static p => (p.Key.Equipment, p.Key.Project))
                     .OrderBy(static g => g.Key.Equipment, StringComparer.Ordinal)
                     .ThenBy(static g => g.Key.Project, StringComparer.Ordinal))
        {
            var missing = new List<DateOnly>();
            var mismatched = new List<(DateOnly Day, string Currency)>();
            UsageTotals missingTotals = default;
            UsageTotals mismatchedTotals = default;
            string projectCurrency = snapshot.GetProject(group.Key.Project).Currency ?? snapshot.CompanyCurrency;
            foreach (var pair in group.OrderBy(static p => p.Key.Day))
            {
                EquipmentRate? rate = snapshot.FindRateForPeriod(group.Key.Equipment, group.Key.Project, pair.Key.Day);
                if (rate is null)
                {
                    missing.Add(pair.Key.Day);
                    missingTotals += pair.Value;
                }
                else if (!string.Equals(rate.Currency, projectCurrency, StringComparison.Ordinal))
                {
                    mismatched.Add((pair.Key.Day, rate.Currency));
                    mismatchedTotals += pair.Value;
                }
            }

            if (missing.Count > 0)
            {
                long midnight = snapshot.GetCalendar(group.Key.Project).StartOfDayUtcMs(missing[0]);
                issues.Add(new UtilizationIssue(
                    UtilizationIssueKinds.MissingRate,
                    group.Key.Equipment,
                    $"{group.Key.Equipment} worked for {group.Key.Project} on {Days(missing)} but has no rate valid at the start of {(missing.Count == 1 ? "that day" : "those days")}.",
                    $"Publish an EquipmentRate for {group.Key.Equipment} with validFrom at or before {FormatUtc(midnight)} on the rates topic. Settlement lists these quantities as missing_rate until then and stages the difference once the rate arrives.",
                    missingTotals));
            }

            if (mismatched.Count > 0)
            {
                issues.Add(new UtilizationIssue(
                    UtilizationIssueKinds.CurrencyMismatch,
                    group.Key.Equipment,
                    $"The rate of {group.Key.Equipment} is in {mismatched[0].Currency} but project {group.Key.Project} is settled in {projectCurrency} ({Days(mismatched.ConvertAll(static m => m.Day))}).",
                    $"Publish a rate in {projectCurrency}, or configure Settlement:Projects:{group.Key.Project}:Currency; amounts are never converted.",
                    mismatchedTotals));
            }
        }
    }

    private static void AddIncidentIssues(
        IReadOnlyList<MeterIncident> incidents,
        MasterDataSnapshot snapshot,
        Dictionary<string, MachineAccumulator> machines,
        string? projectFilter,
        long start,
        long end,
        List<UtilizationIssue> issues)
    {
        foreach (MeterIncident incident in incidents.OrderBy(static i => i.EventTimeMs).ThenBy(static i => i.Identifier, StringComparer.Ordinal))
        {
            if (incident.EventTimeMs < start || incident.EventTimeMs >= end)
            {
                continue;
            }

            string machine = snapshot.TryResolve(incident.Identifier, out string? equipmentId) ? equipmentId : incident.Identifier;
            if (projectFilter is not null && !machines.ContainsKey(machine))
            {
                continue;
            }

            string measure = incident.Measure switch
            {
                Measure.OperatingMs => "operating-hours meter",
                Measure.IdleMs => "idle-hours meter",
                _ => "fuel meter",
            };
            string previous = Quantity(incident.Measure, incident.PreviousReading);
            string reading = Quantity(incident.Measure, incident.Reading);
            string at = FormatUtc(incident.EventTimeMs);
            UsageTotals heldOut = default(UsageTotals).Add(incident.Measure, incident.HeldOutDelta);
            switch (incident.Kind)
            {
                case EventOutcome.Reset:
                    issues.Add(new UtilizationIssue(
                        UtilizationIssueKinds.MeterReset,
                        machine,
                        $"The {measure} of {incident.Identifier} went back from {previous} to {reading} at {at}; that step counted 0.",
                        "Usually a replaced telematics unit or engine controller: confirm the swap with whoever maintains the device. Later readings count from the new baseline; if time was lost, send it as a delta event.",
                        heldOut));
                    break;
                case EventOutcome.Anomaly:
                    issues.Add(new UtilizationIssue(
                        UtilizationIssueKinds.MeterAnomaly,
                        machine,
                        $"The {measure} of {incident.Identifier} jumped from {previous} to {reading} at {at} (more than the elapsed time allows); {Quantity(incident.Measure, incident.HeldOutDelta)} were held out of allocation.",
                        "Check the device. If the quantity is real, send it as a delta event with its interval; otherwise nothing to do — the reading is the new baseline.",
                        heldOut));
                    break;
                case EventOutcome.LateReading:
                    issues.Add(new UtilizationIssue(
                        UtilizationIssueKinds.LateReading,
                        machine,
                        $"A {measure} reading of {incident.Identifier} at {at} ({reading}) was not after the latest applied one ({FormatUtc(incident.PreviousTimeMs)}) and was not applied.",
                        "Check the device clock and whether the gateway replays buffered readings out of order.",
                        heldOut));
                    break;
            }
        }
    }

    private static MachineAccumulator Machine(Dictionary<string, MachineAccumulator> machines, string key, bool resolved, int cells)
    {
        if (!machines.TryGetValue(key, out MachineAccumulator? machine))
        {
            machine = new MachineAccumulator(key, resolved, cells);
            machines[key] = machine;
        }

        return machine;
    }

    private static IssueAccumulator Issue(Dictionary<string, IssueAccumulator> issues, string key)
    {
        if (!issues.TryGetValue(key, out IssueAccumulator? issue))
        {
            issue = new IssueAccumulator();
            issues[key] = issue;
        }

        return issue;
    }

    private static string Scheme(string identifier)
    {
        int colon = identifier.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? $"scheme {identifier[..colon]}, value {identifier[(colon + 1)..]}" : $"identifier {identifier}";
    }

    private static string Days(List<DateOnly> days) =>
        days.Count <= 3
            ? string.Join(", ", days.Select(static d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
            : string.Create(CultureInfo.InvariantCulture, $"{days.Count} days from {days[0]:yyyy-MM-dd} to {days[^1]:yyyy-MM-dd}");

    internal static string FormatUtc(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    internal static string Quantity(Measure measure, long amount) => measure switch
    {
        Measure.FuelBurnMl or Measure.FuelFillMl => AllocationExport.Quantity(AllocationExport.Liters(amount)) + " L",
        _ => AllocationExport.Quantity(AllocationExport.Hours(amount)) + " h",
    };

    private sealed class MachineAccumulator(string key, bool resolved, int cells)
    {
        public string Key { get; } = key;

        public bool Resolved { get; } = resolved;

        public UsageTotals Totals { get; set; }

        public HashSet<string> Identifiers { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Projects { get; } = new(StringComparer.Ordinal);

        public HashSet<string> CostCodes { get; } = new(StringComparer.Ordinal);

        public long[] TimelineOperating { get; } = new long[cells];

        public long[] TimelineIdle { get; } = new long[cells];
    }

    private sealed class IssueAccumulator
    {
        private long _first = long.MaxValue;
        private long _last = long.MinValue;

        public UsageTotals Totals { get; private set; }

        public void Add(BucketEntry bucket)
        {
            Totals = Totals.Add(bucket.Measure, bucket.Amount);
            _first = Math.Min(_first, bucket.BucketStartMs);
            _last = Math.Max(_last, bucket.BucketStartMs + BucketMath.BucketMs);
        }

        public string Range() => $"{FormatUtc(_first)} – {FormatUtc(_last)}";
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// An immutable, point-in-time view of master data (aliases, assignment and rate timelines) and project
/// configuration, against which one settlement attributes and prices every bucket.
/// </summary>
public sealed class MasterDataSnapshot
{
    private static readonly ConcurrentDictionary<string, ProjectCalendar> s_calendars = new(StringComparer.Ordinal);

    private readonly Dictionary<(string Scheme, string Value), string> _aliases;
    private readonly Dictionary<string, EquipmentAssignment[]> _assignments;
    private readonly Dictionary<string, EquipmentRate[]> _rates;
    private readonly Dictionary<string, ProjectSettings> _configuredProjects;
    private readonly IReadOnlyDictionary<string, string> _costCodeMap;
    private readonly ConcurrentDictionary<string, (ProjectSettings Settings, ProjectCalendar Calendar)> _projects = new(StringComparer.Ordinal);

    private MasterDataSnapshot(
        Dictionary<(string, string), EquipmentAlias> aliases,
        Dictionary<(string, long), EquipmentAssignment> assignments,
        Dictionary<(string, long), EquipmentRate> rates,
        SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        CompanyCurrency = options.CompanyCurrency;
        _costCodeMap = options.CostCodeMap;
        _configuredProjects = new Dictionary<string, ProjectSettings>(options.Projects, StringComparer.Ordinal);

        _aliases = new Dictionary<(string, string), string>(aliases.Count);
        foreach (KeyValuePair<(string, string), EquipmentAlias> pair in aliases)
        {
            _aliases[pair.Key] = pair.Value.EquipmentId;
        }

        _assignments = GroupLatestFirst(assignments.Values, static a => a.EquipmentId, static a => a.ValidFromMs);
        _rates = GroupLatestFirst(rates.Values, static r => r.EquipmentId, static r => r.ValidFromMs);

        Aliases = [.. aliases.Values.OrderBy(static a => a.Scheme, StringComparer.Ordinal).ThenBy(static a => a.Value, StringComparer.Ordinal)];
        Assignments = [.. assignments.Values.OrderBy(static a => a.EquipmentId, StringComparer.Ordinal).ThenBy(static a => a.ValidFromMs)];
        Rates = [.. rates.Values.OrderBy(static r => r.EquipmentId, StringComparer.Ordinal).ThenBy(static r => r.ValidFromMs)];
    }

    /// <summary>The currency of projects that configure none.</summary>
    public string CompanyCurrency { get; }

    /// <summary>Every alias, one per (scheme, value).</summary>
    public IReadOnlyList<EquipmentAlias> Aliases { get; }

    /// <summary>Every assignment, one per (equipment id, validFrom).</summary>
    public IReadOnlyList<EquipmentAssignment> Assignments { get; }

    /// <summary>Every rate, one per (equipment id, validFrom).</summary>
    public IReadOnlyList<EquipmentRate> Rates { get; }

    /// <summary>
    /// Builds a snapshot with upsert semantics: a later record with the same key replaces an earlier one
    /// (aliases by (scheme, value), assignments and rates by (equipment id, validFrom)).
    /// Throws <see cref="InvalidOperationException"/> when <paramref name="options"/> are invalid.
    /// </summary>
    public static MasterDataSnapshot Create(
        IEnumerable<EquipmentAlias> aliases,
        IEnumerable<EquipmentAssignment> assignments,
        IEnumerable<EquipmentRate> rates,
        SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(aliases);
        ArgumentNullException.ThrowIfNull(assignments);
        ArgumentNullException.ThrowIfNull(rates);
        var aliasMap = new Dictionary<(string, string), EquipmentAlias>();
        foreach (EquipmentAlias alias in aliases)
        {
            aliasMap[AliasKey(alias)] = alias;
        }

        var assignmentMap = new Dictionary<(string, long), EquipmentAssignment>();
        foreach (EquipmentAssignment assignment in assignments)
        {
            assignmentMap[AssignmentKey(assignment)] = assignment;
        }

        var rateMap = new Dictionary<(string, long), EquipmentRate>();
        foreach (EquipmentRate rate in rates)
        {
            rateMap[RateKey(rate)] = rate;
        }

        return new MasterDataSnapshot(aliasMap, assignmentMap, rateMap, options);
    }

    /// <summary>A snapshot with no master data, only configuration.</summary>
    public static MasterDataSnapshot Empty(SettlementOptions options) => Create([], [], [], options);

    internal static MasterDataSnapshot FromMaps(
        Dictionary<(string, string), EquipmentAlias> aliases,
        Dictionary<(string, long), EquipmentAssignment> assignments,
        Dictionary<(string, long), EquipmentRate> rates,
        SettlementOptions options) =>
        new(new(aliases), new(assignments), new(rates), options);

    internal static (string, string) AliasKey(EquipmentAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return (alias.Scheme, alias.Value);
    }

    internal static (string, long) AssignmentKey(EquipmentAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return (assignment.EquipmentId, assignment.ValidFromMs);
    }

    internal static (string, long) RateKey(EquipmentRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return (rate.EquipmentId, rate.ValidFromMs);
    }

    /// <summary>
    /// Maps an identifier as sent (<c>scheme:value</c>, see <see cref="EquipmentRef.Key"/>) to its canonical equipment id:
    /// scheme <c>canonical</c> maps to its value, other schemes through aliases (exact, case-sensitive match).
    /// False when the identifier is unresolved.
    /// </summary>
    public bool TryResolve(string identifier, [NotNullWhen(true)] out string? equipmentId)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        int colon = identifier.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            equipmentId = null;
            return false;
        }

        return TryResolve(new EquipmentRef(identifier[..colon], identifier[(colon + 1)..]), out equipmentId);
    }

    /// <summary>Maps an identifier as sent to its canonical equipment id; false when it is unresolved.</summary>
    public bool TryResolve(EquipmentRef reference, [NotNullWhen(true)] out string? equipmentId)
    {
        if (string.Equals(reference.Scheme, EquipmentRef.CanonicalScheme, StringComparison.Ordinal))
        {
            equipmentId = string.IsNullOrEmpty(reference.Value) ? null : reference.Value;
            return equipmentId is not null;
        }

        if (reference.Scheme is not null && reference.Value is not null
            && _aliases.TryGetValue((reference.Scheme, reference.Value), out string? target)
            && !string.IsNullOrEmpty(target))
        {
            equipmentId = target;
            return true;
        }

        equipmentId = null;
        return false;
    }

    /// <summary>
    /// The assignment of <paramref name="equipmentId"/> whose [validFrom, validTo) contains <paramref name="atUtcMs"/>;
    /// when several do, the one with the latest validFrom; null when none does.
    /// </summary>
    public EquipmentAssignment? FindAssignment(string equipmentId, long atUtcMs)
    {
        if (!_assignments.TryGetValue(equipmentId, out EquipmentAssignment[]? timeline))
        {
            return null;
        }

        // Latest validFrom first: the first one containing the instant is the answer.
        foreach (EquipmentAssignment assignment in timeline)
        {
            if (assignment.ValidFromMs <= atUtcMs && (assignment.ValidToMs is null || atUtcMs < assignment.ValidToMs.Value))
            {
                return assignment;
            }
        }

        return null;
    }

    /// <summary>The rate of <paramref name="equipmentId"/> with the latest validFrom at or before <paramref name="atUtcMs"/>; null when none.</summary>
    public EquipmentRate? FindRate(string equipmentId, long atUtcMs)
    {
        if (!_rates.TryGetValue(equipmentId, out EquipmentRate[]? timeline))
        {
            return null;
        }

        foreach (EquipmentRate rate in timeline)
        {
            if (rate.ValidFromMs <= atUtcMs)
            {
                return rate;
            }
        }

        return null;
    }

    /// <summary>The rate that prices a period: the latest validFrom at or before the period's local midnight in the project's zone.</summary>
    public EquipmentRate? FindRateForPeriod(string equipmentId, string projectCode, DateOnly period) =>
        FindRate(equipmentId, GetCalendar(projectCode).StartOfDayUtcMs(period));

    /// <summary>Field cost code → finance cost code through the configured map; identity when the code is not mapped.</summary>
    public string MapCostCode(string fieldCode)
    {
        ArgumentNullException.ThrowIfNull(fieldCode);
        return _costCodeMap.TryGetValue(fieldCode, out string? mapped) && !string.IsNullOrEmpty(mapped) ? mapped : fieldCode;
    }

    /// <summary>
    /// The effective settings of a project: the configured ones with Code, Name and Currency filled in, or for an
    /// unconfigured project UTC and the company currency.
    /// </summary>
    public ProjectSettings GetProject(string projectCode) => Project(projectCode).Settings;

    /// <summary>The calendar that decides periods: the project's zone, or UTC when <paramref name="projectCode"/> is null.</summary>
    public ProjectCalendar GetCalendar(string? projectCode) =>
        projectCode is null ? ProjectCalendar.Utc : Project(projectCode).Calendar;

    /// <summary>
    /// Attributes one bucket (ALLOCATION-RULES.md, "Attribution"): resolve the identifier; explicit codes win when
    /// both are set (one without the other is ignored); otherwise the assignment at the bucket start. Cost codes
    /// come back mapped. An unresolved identifier keeps its explicit codes (they decide its period).
    /// </summary>
    public BucketAttribution Attribute(string identifier, long bucketStartMs, string? projectCode, string? costCode)
    {
        return TryResolve(identifier, out string? equipmentId)
            ? AttributeResolved(equipmentId, bucketStartMs, projectCode, costCode)
            : AttributeResolved(null, bucketStartMs, projectCode, costCode);
    }

    /// <summary><see cref="Attribute"/> with the identifier already resolved (null: unresolved).</summary>
    internal BucketAttribution AttributeResolved(string? equipmentId, long bucketStartMs, string? projectCode, string? costCode)
    {
        bool hasExplicitCodes = !string.IsNullOrEmpty(projectCode) && !string.IsNullOrEmpty(costCode);
        string? explicitProject = hasExplicitCodes ? projectCode : null;
        string? explicitCost = hasExplicitCodes ? MapCostCode(costCode!) : null;
        if (equipmentId is null)
        {
            return new BucketAttribution(AttributionOutcome.UnresolvedIdentifier, null, explicitProject, explicitCost, hasExplicitCodes);
        }

        if (hasExplicitCodes)
        {
            return new BucketAttribution(AttributionOutcome.Attributed, equipmentId, explicitProject, explicitCost, true);
        }

        EquipmentAssignment? assignment = FindAssignment(equipmentId, bucketStartMs);
        return assignment is null
            ? new BucketAttribution(AttributionOutcome.NoAssignment, equipmentId, null, null, false)
            : new BucketAttribution(AttributionOutcome.Attributed, equipmentId, assignment.ProjectCode, MapCostCode(assignment.CostCode), false);
    }

    private (ProjectSettings Settings, ProjectCalendar Calendar) Project(string projectCode)
    {
        ArgumentNullException.ThrowIfNull(projectCode);
        return _projects.GetOrAdd(projectCode, static (code, self) => self.BuildProject(code), this);
    }

    private (ProjectSettings Settings, ProjectCalendar Calendar) BuildProject(string code)
    {
        ProjectSettings configured = _configuredProjects.TryGetValue(code, out ProjectSettings? found) ? found : new ProjectSettings();
        ProjectSettings effective = configured with
        {
            Code = code,
            Name = string.IsNullOrEmpty(configured.Name) ? code : configured.Name,
            Currency = string.IsNullOrEmpty(configured.Currency) ? CompanyCurrency : configured.Currency,
        };
        ProjectCalendar calendar = s_calendars.GetOrAdd(effective.TimeZone, static id =>
            ProjectSettings.TryFindTimeZone(id, out TimeZoneInfo zone)
                ? (ReferenceEquals(zone, TimeZoneInfo.Utc) ? ProjectCalendar.Utc : new ProjectCalendar(zone))
                : throw new InvalidOperationException($"Time zone '{id}' is not an IANA time zone."));
        return (effective, calendar);
    }

    private static Dictionary<string, T[]> GroupLatestFirst<T>(IEnumerable<T> items, Func<T, string> key, Func<T, long> validFrom)
    {
        var lists = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (T item in items)
        {
            string k = key(item);
            if (!lists.TryGetValue(k, out List<T>? list))
            {
                list = [];
                lists[k] = list;
            }

            list.Add(item);
        }

        var result = new Dictionary<string, T[]>(lists.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, List<T>> pair in lists)
        {
            T[] array = [.. pair.Value];
            Array.Sort(array, (a, b) => validFrom(b).CompareTo(validFrom(a)));
            result[pair.Key] = array;
        }

        return result;
    }
}

/// <summary>How a bucket was attributed.</summary>
public enum AttributionOutcome : byte
{
    /// <summary>Canonical equipment, project and cost code known: the quantities go to an allocation line.</summary>
    Attributed = 0,

    /// <summary>No alias maps the identifier as sent: exception <c>unresolved_identifier</c>.</summary>
    UnresolvedIdentifier = 1,

    /// <summary>Resolved, no explicit codes and no assignment contains the bucket start: exception <c>no_assignment</c>.</summary>
    NoAssignment = 2,
}

/// <summary>
/// The result of attributing one bucket. <see cref="CostCode"/> is already mapped to the finance code;
/// <see cref="ProjectCode"/> is null when no project is known (then the period is the UTC day).
/// </summary>
public readonly record struct BucketAttribution(
    AttributionOutcome Outcome, string? EquipmentId, string? ProjectCode, string? CostCode, bool FromExplicitCodes);

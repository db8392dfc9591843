using System.Globalization;

namespace TelemetryPipeline.Settlement;

/// <summary>
/// Settlement configuration (section <c>Settlement</c>). Immutable; call <see cref="Validate"/> once at start-up.
/// </summary>
public sealed record SettlementOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Settlement";

    public static readonly TimeSpan MaxGrace = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinHorizon = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(400);

    /// <summary>
    /// How long after the end of a local day its period closes (default 2 h, ALLOCATION-RULES.md "Windows and periods"):
    /// long enough for devices that upload at the end of a shift, short enough for next-morning reports. Range 0..7 days.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// How far back every settlement recomputes closed periods (default 35 days): longer than the 30-day dedupe
    /// retention plus a day and the grace, so every late event that ingest still accepts reaches a revision.
    /// A period is within the horizon when its local start is at or after now − Horizon. Range 1..400 days.
    /// </summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromDays(35);

    /// <summary>ISO 4217 code used for projects that configure no currency (default USD).</summary>
    public string CompanyCurrency { get; init; } = "USD";

    /// <summary>Per-project settings keyed by project code; unconfigured projects use UTC and the company currency.</summary>
    public IReadOnlyDictionary<string, ProjectSettings> Projects { get; init; } = new Dictionary<string, ProjectSettings>(StringComparer.Ordinal);

    /// <summary>Field cost code → finance cost code; a code that is not a key maps to itself.</summary>
    public IReadOnlyDictionary<string, string> CostCodeMap { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> listing every bad key (for example
    /// <c>Settlement:Projects:PRJ-1:TimeZone 'Mars/Base' is not an IANA time zone</c>).
    /// </summary>
    public void Validate()
    {
        IReadOnlyList<string> errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>Every configuration error, each naming its key and the allowed values; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (Grace < TimeSpan.Zero || Grace > MaxGrace)
        {
            errors.Add(Format($"{SectionName}:Grace '{Grace}' is out of range; allowed 00:00:00 to {MaxGrace} (d.hh:mm:ss)."));
        }

        if (Horizon < MinHorizon || Horizon > MaxHorizon)
        {
            errors.Add(Format($"{SectionName}:Horizon '{Horizon}' is out of range; allowed {MinHorizon} to {MaxHorizon} (d.hh:mm:ss)."));
        }

        if (!IsCurrencyCode(CompanyCurrency))
        {
            errors.Add(Format($"{SectionName}:CompanyCurrency '{CompanyCurrency}' is not an ISO 4217 code (three letters A-Z)."));
        }

        if (Projects is null)
        {
            errors.Add(Format($"{SectionName}:Projects must not be null."));
        }
        else
        {
            foreach (KeyValuePair<string, ProjectSettings> pair in Projects)
            {
                ValidateProject(pair.Key, pair.Value, errors);
            }
        }

        if (CostCodeMap is null)
        {
            errors.Add(Format($"{SectionName}:CostCodeMap must not be null."));
        }
        else
        {
            foreach (KeyValuePair<string, string> pair in CostCodeMap)
            {
                if (string.IsNullOrWhiteSpace(pair.Key) || string.IsNullOrWhiteSpace(pair.Value))
                {
                    errors.Add(Format($"{SectionName}:CostCodeMap:{pair.Key} '{pair.Value}' must map a non-empty field code to a non-empty finance code."));
                }
            }
        }

        return errors;
    }

    private static void ValidateProject(string key, ProjectSettings? project, List<string> errors)
    {
        string prefix = $"{SectionName}:Projects:{key}";
        if (string.IsNullOrWhiteSpace(key))
        {
            errors.Add(Format($"{SectionName}:Projects has an empty project code."));
        }

        if (project is null)
        {
            errors.Add(Format($"{prefix} must not be null."));
            return;
        }

        if (!string.IsNullOrEmpty(project.Code) && !string.Equals(project.Code, key, StringComparison.Ordinal))
        {
            errors.Add(Format($"{prefix}:Code '{project.Code}' must be empty or equal the project key '{key}'."));
        }

        if (!ProjectSettings.TryFindTimeZone(project.TimeZone, out _))
        {
            errors.Add(Format($"{prefix}:TimeZone '{project.TimeZone}' is not an IANA time zone (for example 'UTC', 'America/Chicago', 'Europe/Berlin')."));
        }

        if (project.Currency is not null && !IsCurrencyCode(project.Currency))
        {
            errors.Add(Format($"{prefix}:Currency '{project.Currency}' is not an ISO 4217 code (three letters A-Z); leave it empty for the company currency."));
        }

        if (project.OdooAnalyticAccountId is <= 0)
        {
            errors.Add(Format($"{prefix}:OdooAnalyticAccountId '{project.OdooAnalyticAccountId}' must be a positive record id."));
        }
    }

    internal static bool IsCurrencyCode(string? code)
    {
        if (code is null || code.Length != 3)
        {
            return false;
        }

        foreach (char c in code)
        {
            if (c is < 'A' or > 'Z')
            {
                return false;
            }
        }

        return true;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Settings of one project (key <c>Settlement:Projects:&lt;code&gt;</c>): its time zone decides the settlement period
/// (local calendar day), its currency the currency of its allocations.
/// </summary>
public sealed record ProjectSettings
{
    /// <summary>The project code; empty means "the configuration key".</summary>
    public string Code { get; init; } = string.Empty;

    /// <summary>Display name; defaults to the code.</summary>
    public string? Name { get; init; }

    /// <summary>IANA time zone id (default UTC); the period is the calendar day in this zone.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>ISO 4217 currency of the project's allocations; null means the company currency.</summary>
    public string? Currency { get; init; }

    /// <summary>The Odoo analytic account postings of this project go to, when known.</summary>
    public long? OdooAnalyticAccountId { get; init; }

    internal static bool TryFindTimeZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        if (string.Equals(id, "UTC", StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}

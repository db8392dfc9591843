using System.Globalization;
using System.Text;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Odoo connection and posting settings (configuration section <c>Odoo</c>), validated once at start-up by
/// <see cref="Validate"/>. The API key never appears in <see cref="ToString"/>, logs or exception messages.
/// </summary>
public sealed record OdooOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Odoo";

    /// <summary>Environment variable the API key is read from when neither <see cref="ApiKey"/> nor <see cref="ApiKeyFile"/> is set.</summary>
    public const string ApiKeyEnvironmentVariable = "TP__Odoo__ApiKey";

    /// <summary><see cref="Protocol"/> value for the JSON-2 API (<c>/json/2/&lt;model&gt;/&lt;method&gt;</c>, Odoo 19+).</summary>
    public const string Json2 = "json2";

    /// <summary><see cref="Protocol"/> value for the JSON-RPC API (<c>/jsonrpc</c> <c>execute_kw</c>, Odoo 17–19; deprecated in 19).</summary>
    public const string JsonRpc = "jsonrpc";

    /// <summary><see cref="PostingMode"/> value: one <c>account.analytic.line</c> per allocation line.</summary>
    public const string AnalyticLines = "analytic_lines";

    /// <summary><see cref="PostingMode"/> value: one balanced draft <c>account.move</c> per allocation, posted by finance in Odoo.</summary>
    public const string DraftMove = "draft_move";

    /// <summary>Odoo's limit for one create call in this integration: 100 dicts took 0.2–0.4 s where 100 single creates took 5–15 s.</summary>
    public const int MaxBatchSize = 100;

    /// <summary>Base URL of the Odoo server, e.g. <c>https://erp.example.com</c>. Required.</summary>
    public string Url { get; init; } = string.Empty;

    /// <summary>Database name (sent as <c>X-Odoo-Database</c> on JSON-2, as the first <c>execute_kw</c> argument on JSON-RPC). Required.</summary>
    public string Database { get; init; } = string.Empty;

    /// <summary><c>json2</c> (default; Odoo 19+) or <c>jsonrpc</c> (Odoo 17–19).</summary>
    public string Protocol { get; init; } = Json2;

    /// <summary>The integration user's login; required by JSON-RPC's <c>common.authenticate</c>, unused by JSON-2.</summary>
    public string Login { get; init; } = string.Empty;

    /// <summary>The API key, normally bound from the environment (<c>TP__Odoo__ApiKey</c>); never put it in appsettings.json.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Path of a file holding the API key (first line, trimmed); used when <see cref="ApiKey"/> is empty.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary><c>analytic_lines</c> (default) or <c>draft_move</c>; never both for the same cost, because posting a move already creates its analytic lines.</summary>
    public string PostingMode { get; init; } = AnalyticLines;

    /// <summary>
    /// The Odoo company the costs belong to; sent as <c>allowed_company_ids</c> so records land in it. Default 1, the first
    /// company. Allocations in a currency not listed in <see cref="Companies"/> go here when this company keeps that currency.
    /// </summary>
    public long CompanyId { get; init; } = 1;

    /// <summary>
    /// ISO currency code → id of the Odoo company that keeps amounts in it (one company per currency or country, e.g.
    /// <c>Odoo:Companies:CAD = 2</c>). An allocation in a listed currency is posted into that company; any other goes to
    /// <see cref="CompanyId"/> when that company's currency matches, and is refused otherwise: amounts are never converted.
    /// Empty by default (everything goes to <see cref="CompanyId"/>). In draft_move mode every entry must be <see cref="CompanyId"/>.
    /// </summary>
    public IReadOnlyDictionary<string, long> Companies { get; init; } = new Dictionary<string, long>();

    /// <summary>Id of the analytic plan behind <c>account_id</c> (Odoo's "Project" plan, 1 on a fresh database).</summary>
    public long ProjectPlanId { get; init; } = 1;

    /// <summary>Id of the analytic plan holding the cost-code analytic accounts. Required.</summary>
    public long CostCodePlanId { get; init; }

    /// <summary>
    /// The analytic-line column of the cost-code plan. Odoo generates <c>x_plan&lt;plan id&gt;_id</c> for every plan
    /// but the project one; default that name.
    /// </summary>
    public string? CostCodePlanColumn { get; init; }

    /// <summary>Job-cost expense account (<c>account.account</c> id), debited by draft moves. Required in draft_move mode.</summary>
    public long ExpenseAccountId { get; init; }

    /// <summary>Equipment cost recovery account (<c>account.account</c> id), credited by draft moves. Required in draft_move mode.</summary>
    public long RecoveryAccountId { get; init; }

    /// <summary>Journal of the draft moves (a <c>general</c> journal such as MISC). Required in draft_move mode.</summary>
    public long JournalId { get; init; }

    /// <summary>Most records in one create call, 1–100. 100: one call with 100 dicts is ~30× faster than 100 calls.</summary>
    public int BatchSize { get; init; } = MaxBatchSize;

    /// <summary>Retries after a transport error or 5xx, 0–10. The unit retried is "look up, then create what is missing", so a retry never duplicates.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First retry delay; later ones grow exponentially with jitter up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two retries.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-request timeout; a timed-out request counts as a transport error (retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Share of failed attempts within <see cref="BreakerSamplingDuration"/> that opens the circuit, (0, 1].</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts needed within the sampling window before the breaker may open.</summary>
    public int BreakerMinimumThroughput { get; init; } = 8;

    /// <summary>Window over which the breaker measures failures.</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit fails calls fast before letting one through again.</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Project code → analytic account id in the project plan. Projects not listed are looked up by code when <see cref="ResolveAccountsByCode"/>.</summary>
    public IReadOnlyDictionary<string, long> ProjectAccounts { get; init; } = new Dictionary<string, long>();

    /// <summary>Cost code → analytic account id in the cost-code plan. Cost codes not listed are looked up by code when <see cref="ResolveAccountsByCode"/>.</summary>
    public IReadOnlyDictionary<string, long> CostCodeAccounts { get; init; } = new Dictionary<string, long>();

    /// <summary>Look up unmapped project and cost codes as the analytic account's <c>code</c> (Reference) within their plan. Default true.</summary>
    public bool ResolveAccountsByCode { get; init; } = true;

    /// <summary>True when <see cref="Protocol"/> is <c>json2</c>.</summary>
    public bool UsesJson2 => string.Equals(Protocol, Json2, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <see cref="PostingMode"/> is <c>draft_move</c>.</summary>
    public bool PostsDraftMoves => string.Equals(PostingMode, DraftMove, StringComparison.OrdinalIgnoreCase);

    /// <summary>The analytic-line column of the cost-code plan (<see cref="CostCodePlanColumn"/> or <c>x_plan&lt;id&gt;_id</c>).</summary>
    public string EffectiveCostCodeColumn =>
        string.IsNullOrWhiteSpace(CostCodePlanColumn)
            ? string.Create(CultureInfo.InvariantCulture, $"x_plan{CostCodePlanId}_id")
            : CostCodePlanColumn;

    /// <summary>Throws <see cref="OdooConfigurationException"/> naming the first bad key and what it accepts.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw Bad(nameof(Url), "must be an absolute http(s) URL such as https://erp.example.com");
        }

        NotEmpty(nameof(Database), Database);
        OneOf(nameof(Protocol), Protocol, Json2, JsonRpc);
        if (!UsesJson2)
        {
            NotEmpty(nameof(Login), Login, " (JSON-RPC authenticates with login + API key)");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            if (!string.IsNullOrWhiteSpace(ApiKeyFile))
            {
                if (!File.Exists(ApiKeyFile))
                {
                    throw Bad(nameof(ApiKeyFile), $"must name a readable file holding the API key (no file at '{ApiKeyFile}')");
                }
            }
            else if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable)))
            {
                throw Bad(nameof(ApiKey), $"is required: set the environment variable {ApiKeyEnvironmentVariable} or {Key(nameof(ApiKeyFile))} (a file holding the key)");
            }
        }

        OneOf(nameof(PostingMode), PostingMode, AnalyticLines, DraftMove);
        Positive(nameof(CompanyId), CompanyId);
        CompanyMapping();
        Positive(nameof(ProjectPlanId), ProjectPlanId);
        Positive(nameof(CostCodePlanId), CostCodePlanId);
        if (CostCodePlanId == ProjectPlanId)
        {
            throw Bad(nameof(CostCodePlanId), $"must differ from {Key(nameof(ProjectPlanId))} ({ProjectPlanId}): cost codes need their own analytic plan");
        }

        var column = EffectiveCostCodeColumn;
        if (!column.StartsWith("x_", StringComparison.Ordinal) || column.Contains(' ', StringComparison.Ordinal))
        {
            throw Bad(nameof(CostCodePlanColumn), $"must be the analytic-line column Odoo generated for the cost-code plan, e.g. x_plan{CostCodePlanId}_id (got '{column}')");
        }

        if (PostsDraftMoves)
        {
            foreach (var (currency, companyId) in Companies)
            {
                if (companyId != CompanyId)
                {
                    throw new OdooConfigurationException(
                        CompanyKey(currency),
                        string.Create(CultureInfo.InvariantCulture, $"{CompanyKey(currency)} must be {Key(nameof(CompanyId))} ({CompanyId}) in draft_move mode (got {companyId}): the journal and accounts ({Key(nameof(JournalId))}, {Key(nameof(ExpenseAccountId))}, {Key(nameof(RecoveryAccountId))}) belong to one company; use analytic_lines to post into several companies."));
                }
            }

            Positive(nameof(ExpenseAccountId), ExpenseAccountId, " in draft_move mode");
            Positive(nameof(RecoveryAccountId), RecoveryAccountId, " in draft_move mode");
            Positive(nameof(JournalId), JournalId, " in draft_move mode");
            if (ExpenseAccountId == RecoveryAccountId)
            {
                throw Bad(nameof(RecoveryAccountId), $"must differ from {Key(nameof(ExpenseAccountId))}");
            }
        }

        Range(nameof(BatchSize), BatchSize, 1, MaxBatchSize);
        Range(nameof(MaxRetries), MaxRetries, 0, 10);
        Duration(nameof(RetryBaseDelay), RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Duration(nameof(RetryMaxDelay), RetryMaxDelay, RetryBaseDelay, TimeSpan.FromMinutes(10));
        Duration(nameof(RequestTimeout), RequestTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        if (double.IsNaN(BreakerFailureRatio) || BreakerFailureRatio <= 0 || BreakerFailureRatio > 1)
        {
            throw Bad(nameof(BreakerFailureRatio), $"must be greater than 0 and at most 1 (got {BreakerFailureRatio.ToString(CultureInfo.InvariantCulture)})");
        }

        Range(nameof(BreakerMinimumThroughput), BreakerMinimumThroughput, 2, 10_000);
        Duration(nameof(BreakerSamplingDuration), BreakerSamplingDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1));
        Duration(nameof(BreakerBreakDuration), BreakerBreakDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1));
        Mapping(nameof(ProjectAccounts), ProjectAccounts);
        Mapping(nameof(CostCodeAccounts), CostCodeAccounts);
    }

    /// <summary>
    /// The API key: <see cref="ApiKey"/>, else the first line of <see cref="ApiKeyFile"/>, else the environment
    /// variable <c>TP__Odoo__ApiKey</c>. Throws <see cref="OdooConfigurationException"/> (without the key) when none is set.
    /// </summary>
    public string ResolveApiKey()
    {
        if (!string.IsNullOrWhiteSpace(ApiKey))
        {
            return ApiKey.Trim();
        }

        if (!string.IsNullOrWhiteSpace(ApiKeyFile))
        {
            string text;
            try
            {
                text = File.ReadAllText(ApiKeyFile);
            }
            catch (IOException ex)
            {
                throw new OdooConfigurationException(Key(nameof(ApiKeyFile)), $"{Key(nameof(ApiKeyFile))} could not be read ({ex.GetType().Name}).");
            }
            catch (UnauthorizedAccessException)
            {
                throw new OdooConfigurationException(Key(nameof(ApiKeyFile)), $"{Key(nameof(ApiKeyFile))} is not readable by this process.");
            }

            var firstLine = text.Split('\n', 2)[0].Trim();
            if (firstLine.Length == 0)
            {
                throw new OdooConfigurationException(Key(nameof(ApiKeyFile)), $"{Key(nameof(ApiKeyFile))} is empty: its first line must be the API key.");
            }

            return firstLine;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        throw new OdooConfigurationException(
            Key(nameof(ApiKey)),
            $"{Key(nameof(ApiKey))} is required: set the environment variable {ApiKeyEnvironmentVariable} or {Key(nameof(ApiKeyFile))}.");
    }

    /// <summary>The settings without the API key (it prints as <c>***</c> when set).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("OdooOptions { ");
        text.Append(CultureInfo.InvariantCulture, $"Url = {Url}, Database = {Database}, Protocol = {Protocol}, Login = {Login}, ");
        text.Append(CultureInfo.InvariantCulture, $"ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(unset)" : "***")}, ApiKeyFile = {ApiKeyFile ?? "(unset)"}, ");
        text.Append(CultureInfo.InvariantCulture, $"PostingMode = {PostingMode}, CompanyId = {CompanyId}, Companies = {CompaniesText()}, ProjectPlanId = {ProjectPlanId}, ");
        text.Append(CultureInfo.InvariantCulture, $"CostCodePlanId = {CostCodePlanId}, CostCodePlanColumn = {EffectiveCostCodeColumn}, ");
        text.Append(CultureInfo.InvariantCulture, $"ExpenseAccountId = {ExpenseAccountId}, RecoveryAccountId = {RecoveryAccountId}, JournalId = {JournalId}, ");
        text.Append(CultureInfo.InvariantCulture, $"BatchSize = {BatchSize}, MaxRetries = {MaxRetries}, RetryBaseDelay = {RetryBaseDelay}, RetryMaxDelay = {RetryMaxDelay}, ");
        text.Append(CultureInfo.InvariantCulture, $"RequestTimeout = {RequestTimeout}, BreakerFailureRatio = {BreakerFailureRatio}, BreakerMinimumThroughput = {BreakerMinimumThroughput}, ");
        text.Append(CultureInfo.InvariantCulture, $"BreakerSamplingDuration = {BreakerSamplingDuration}, BreakerBreakDuration = {BreakerBreakDuration}, ");
        text.Append(CultureInfo.InvariantCulture, $"ProjectAccounts = {ProjectAccounts.Count}, CostCodeAccounts = {CostCodeAccounts.Count}, ResolveAccountsByCode = {ResolveAccountsByCode} }}");
        return text.ToString();
    }

    /// <summary>Every company posting may use: <see cref="CompanyId"/> first, then those of <see cref="Companies"/> in id order.</summary>
    public IReadOnlyList<long> CompanyIds
    {
        get
        {
            var ids = new SortedSet<long>(Companies.Values);
            ids.Remove(CompanyId);
            return [CompanyId, .. ids];
        }
    }

    /// <summary>The configuration key that maps <paramref name="currency"/> to a company: <c>Odoo:Companies:&lt;currency&gt;</c>.</summary>
    public static string CompanyKey(string currency) => $"{Section}:{nameof(Companies)}:{currency.ToUpperInvariant()}";

    /// <summary>The company allocations in <paramref name="currency"/> are posted into: <see cref="Companies"/>[currency], else <see cref="CompanyId"/>.</summary>
    public long CompanyFor(string currency) => MappedCompany(currency) ?? CompanyId;

    /// <summary>The company <see cref="Companies"/> maps <paramref name="currency"/> to (currency codes compared ignoring case), or null.</summary>
    public long? MappedCompany(string currency)
    {
        if (Companies.TryGetValue(currency, out var id))
        {
            return id;
        }

        foreach (var (code, companyId) in Companies)
        {
            if (string.Equals(code, currency, StringComparison.OrdinalIgnoreCase))
            {
                return companyId;
            }
        }

        return null;
    }

    /// <summary>The keys that name <paramref name="companyId"/>, e.g. <c>Odoo:CompanyId</c> or <c>Odoo:Companies:CAD</c>, for messages.</summary>
    internal string CompanyKeys(long companyId)
    {
        var keys = new List<string>();
        foreach (var (currency, id) in Companies)
        {
            if (id == companyId)
            {
                keys.Add(CompanyKey(currency));
            }
        }

        keys.Sort(StringComparer.Ordinal);
        if (companyId == CompanyId)
        {
            keys.Insert(0, Key(nameof(CompanyId)));
        }

        return string.Join(", ", keys);
    }

    internal static string Key(string property) => $"{Section}:{property}";

    private string CompaniesText()
    {
        if (Companies.Count == 0)
        {
            return "(none)";
        }

        var entries = new List<string>(Companies.Count);
        foreach (var (currency, id) in Companies)
        {
            entries.Add(string.Create(CultureInfo.InvariantCulture, $"{currency}={id}"));
        }

        entries.Sort(StringComparer.Ordinal);
        return "{ " + string.Join(", ", entries) + " }";
    }

    private void CompanyMapping()
    {
        if (Companies is null)
        {
            throw Bad(nameof(Companies), "must be a map of ISO currency code to Odoo company id (got null)");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (currency, id) in Companies)
        {
            if (currency.Length != 3 || !char.IsAsciiLetter(currency[0]) || !char.IsAsciiLetter(currency[1]) || !char.IsAsciiLetter(currency[2]))
            {
                throw Bad(nameof(Companies), $"must be keyed by ISO 4217 currency codes such as CAD (got '{currency}')");
            }

            if (!seen.Add(currency))
            {
                throw new OdooConfigurationException(CompanyKey(currency), $"{CompanyKey(currency)} is set twice (keys differ only in case).");
            }

            if (id <= 0)
            {
                throw new OdooConfigurationException(CompanyKey(currency), string.Create(CultureInfo.InvariantCulture, $"{CompanyKey(currency)} must be a positive Odoo company id (got {id})."));
            }
        }
    }

    private static OdooConfigurationException Bad(string property, string rule) =>
        new(Key(property), $"{Key(property)} {rule}.");

    private static void NotEmpty(string property, string? value, string why = "")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Bad(property, $"is required{why}");
        }
    }

    private static void OneOf(string property, string? value, params string[] allowed)
    {
        foreach (var candidate in allowed)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        throw Bad(property, $"must be one of {string.Join(", ", allowed)} (got '{value}')");
    }

    private static void Positive(string property, long value, string when = "")
    {
        if (value <= 0)
        {
            throw Bad(property, $"must be a positive Odoo record id{when} (got {value})");
        }
    }

    private static void Range(string property, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw Bad(property, $"must be between {min} and {max} (got {value})");
        }
    }

    private static void Duration(string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            throw Bad(property, $"must be between {min} and {max} (got {value})");
        }
    }

    private static void Mapping(string property, IReadOnlyDictionary<string, long>? mapping)
    {
        if (mapping is null)
        {
            throw Bad(property, "must be a map of code to analytic account id (got null)");
        }

        foreach (var (code, id) in mapping)
        {
            if (string.IsNullOrWhiteSpace(code) || id <= 0)
            {
                throw Bad(property, $"must map non-empty codes to positive analytic account ids (got '{code}' = {id})");
            }
        }
    }
}

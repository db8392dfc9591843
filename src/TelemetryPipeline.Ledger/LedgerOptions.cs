using System.Globalization;
using Npgsql;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

/// <summary>Configuration of the ledger (section <c>Ledger</c>; environment <c>TP__Ledger__Key</c>).</summary>
public sealed record LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Npgsql connection string of the ledger database. Required. Never logged with its password.</summary>
    public string ConnectionString { get; init; } = string.Empty;

    /// <summary>Seconds a single command may run; 1..600. 30 s: ledger statements are small, a longer wait is a stuck lock.</summary>
    public int CommandTimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// Attempts of a unit of work when PostgreSQL is briefly unreachable (restart, failover); 1..20. Each unit is retried
    /// only while nothing can have been committed, so a retry never applies anything twice.
    /// </summary>
    public int RetryAttempts { get; init; } = 8;

    /// <summary>Whether the application applies pending schema migrations at start-up (default true).</summary>
    public bool MigrateOnStart { get; init; } = true;

    /// <summary>Optional automatic approval of small allocations at staging; off by default.</summary>
    public AutoApprovalPolicy AutoApproval { get; init; } = new();

    /// <summary>The connection string with any password replaced by <c>***</c>, for logs and error messages.</summary>
    public string RedactedConnectionString => Redact(ConnectionString);

    /// <summary>Throws <see cref="LedgerConfigurationException"/> naming the first bad key and what is allowed.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new LedgerConfigurationException(
                $"{Section}:ConnectionString",
                $"{Section}:ConnectionString is required (appsettings.json or TP__{Section}__ConnectionString), " +
                "e.g. Host=127.0.0.1;Port=5432;Database=telemetry;Username=telemetry.");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException)
        {
            // The value itself is not echoed: it may hold a password.
            throw new LedgerConfigurationException(
                $"{Section}:ConnectionString",
                $"{Section}:ConnectionString is not a valid Npgsql connection string (Key=Value pairs separated by ';', " +
                "keys such as Host, Port, Database, Username, Password).");
        }

        if (CommandTimeoutSeconds is < 1 or > 600)
        {
            throw new LedgerConfigurationException(
                $"{Section}:CommandTimeoutSeconds",
                string.Create(CultureInfo.InvariantCulture, $"{Section}:CommandTimeoutSeconds must be between 1 and 600 (was {CommandTimeoutSeconds})."));
        }

        if (RetryAttempts is < 1 or > 20)
        {
            throw new LedgerConfigurationException(
                $"{Section}:RetryAttempts",
                string.Create(CultureInfo.InvariantCulture, $"{Section}:RetryAttempts must be between 1 and 20 (was {RetryAttempts})."));
        }

        (AutoApproval ?? throw new LedgerConfigurationException($"{Section}:AutoApproval", $"{Section}:AutoApproval must not be null."))
            .Validate($"{Section}:AutoApproval");
    }

    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"LedgerOptions {{ ConnectionString = {RedactedConnectionString}, CommandTimeoutSeconds = {CommandTimeoutSeconds}, RetryAttempts = {RetryAttempts}, MigrateOnStart = {MigrateOnStart}, AutoApproval = {AutoApproval} }}");

    internal static string Redact(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return string.Empty;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }
    }
}

/// <summary>
/// Approves, at staging, allocations whose absolute amount is at most <see cref="MaxAbsoluteAmount"/> (and, with
/// <see cref="RevisionsOnly"/>, only revisions n &gt; 1). The approval is an audit row by the policy, never by a person.
/// </summary>
public sealed record AutoApprovalPolicy
{
    /// <summary>Off by default: finance approves every allocation unless it decides otherwise.</summary>
    public bool Enabled { get; init; }

    /// <summary>Largest absolute allocation amount approved automatically; ≥ 0, at most 2 decimals.</summary>
    public decimal MaxAbsoluteAmount { get; init; }

    /// <summary>Only revisions (small late corrections) qualify, never a first settlement; default true.</summary>
    public bool RevisionsOnly { get; init; } = true;

    /// <summary>The audit actor, e.g. <c>policy:auto-approve(50.00)</c>: the threshold in force is part of the record.</summary>
    public string Actor => string.Create(CultureInfo.InvariantCulture, $"policy:auto-approve({MaxAbsoluteAmount:0.00})");

    /// <summary>Whether <paramref name="allocation"/> is approved automatically when it is staged.</summary>
    public bool Applies(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        return Enabled
            && (!RevisionsOnly || allocation.Revision > 1)
            && Math.Abs(allocation.Amount) <= MaxAbsoluteAmount;
    }

    /// <summary>Throws <see cref="LedgerConfigurationException"/> naming the bad key under <paramref name="prefix"/>.</summary>
    public void Validate(string prefix = $"{LedgerOptions.Section}:AutoApproval")
    {
        if (MaxAbsoluteAmount < 0m || decimal.Round(MaxAbsoluteAmount, 2) != MaxAbsoluteAmount)
        {
            throw new LedgerConfigurationException(
                $"{prefix}:MaxAbsoluteAmount",
                string.Create(CultureInfo.InvariantCulture, $"{prefix}:MaxAbsoluteAmount must be ≥ 0 with at most 2 decimals (was {MaxAbsoluteAmount})."));
        }
    }
}

/// <summary>A bad ledger setting; <see cref="Key"/> names it (e.g. <c>Ledger:ConnectionString</c>).</summary>
public sealed class LedgerConfigurationException : Exception
{
    public LedgerConfigurationException(string key, string message)
        : base(message)
    {
        Key = key;
    }

    public LedgerConfigurationException()
    {
        Key = string.Empty;
    }

    public LedgerConfigurationException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public LedgerConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public string Key { get; }
}

/// <summary>
/// The ledger could not complete a unit of work. <see cref="IsRetriable"/>: PostgreSQL was unreachable and nothing was
/// applied; try again later. <see cref="OutcomeUnknown"/>: the connection broke during COMMIT, so the work may or may
/// not have been applied; re-read before repeating it.
/// </summary>
public sealed class LedgerException : Exception
{
    public LedgerException()
    {
    }

    public LedgerException(string message)
        : base(message)
    {
    }

    public LedgerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool IsRetriable { get; init; }

    public bool OutcomeUnknown { get; init; }
}

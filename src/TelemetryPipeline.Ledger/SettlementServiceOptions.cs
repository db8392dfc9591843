using System.Globalization;

namespace TelemetryPipeline.Ledger;

/// <summary>How the settlement service runs (section <c>SettlementService</c>; environment <c>TP__SettlementService__Key</c>).</summary>
public sealed record SettlementServiceOptions
{
    public const string Section = "SettlementService";

    public static readonly TimeSpan MinLeaseDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromHours(1);

    /// <summary>
    /// How long one acquire or renew holds the settlement lease (default 5 min, range 5 s..1 h); it is renewed every
    /// third of it while a run lasts. Long enough that a GC pause or a slow PostgreSQL does not hand it over mid-run,
    /// short enough that a crashed holder blocks settlement only briefly.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Who ran a settlement, as recorded in <c>settlement_runs.instance</c> (default host name and process id; 1..200 characters).</summary>
    public string InstanceName { get; init; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <summary>How often the lease is renewed during a run.</summary>
    public TimeSpan RenewInterval => LeaseDuration / 3;

    /// <summary>Throws <see cref="LedgerConfigurationException"/> naming the first bad key and what is allowed.</summary>
    public void Validate()
    {
        if (LeaseDuration < MinLeaseDuration || LeaseDuration > MaxLeaseDuration)
        {
            throw new LedgerConfigurationException(
                $"{Section}:LeaseDuration",
                string.Create(CultureInfo.InvariantCulture, $"{Section}:LeaseDuration must be between {MinLeaseDuration} and {MaxLeaseDuration} (was {LeaseDuration})."));
        }

        if (string.IsNullOrWhiteSpace(InstanceName) || InstanceName.Length > 200)
        {
            throw new LedgerConfigurationException(
                $"{Section}:InstanceName",
                $"{Section}:InstanceName must be 1 to 200 characters (it names the instance in the settlement run history).");
        }
    }
}

using System.Globalization;
using System.Net;

namespace TelemetryPipeline.Web;

/// <summary>Web UI and HTTP API settings (section <see cref="Section"/>, environment <c>TP__Web__Key</c>).</summary>
public sealed record WebOptions
{
    public const string Section = "Web";

    public const int MinRefreshSeconds = 1;
    public const int MaxRefreshSeconds = 3600;
    public const long MinRequestBodyBytes = 1024;
    public const long MaxRequestBodyBytesLimit = 64L * 1024 * 1024;

    /// <summary>
    /// Where Kestrel listens, <c>;</c>-separated. Loopback by default so nothing is exposed until someone decides to
    /// (and puts TLS in front).
    /// </summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>
    /// JSON file of users (<c>name</c>, <c>role</c>, <c>hash</c> from <see cref="WebUsers.HashToken"/>); kept outside
    /// the repository. Required: without users nobody could sign in.
    /// </summary>
    public string? UsersFile { get; init; }

    /// <summary>How often pages refresh their live fragments, in seconds (1..3600); 10 s is "near real time" without load.</summary>
    public int RefreshSeconds { get; init; } = 10;

    /// <summary>Largest request body accepted, in bytes (1 KiB..64 MiB); forms and API bodies here are tiny.</summary>
    public long MaxRequestBodyBytes { get; init; } = 64 * 1024;

    /// <summary>How long a sign-in lasts without activity, in minutes (5..10080).</summary>
    public int SessionMinutes { get; init; } = 480;

    /// <summary>Readiness check time limit, in milliseconds (100..60000); a check that takes longer counts as failed.</summary>
    public int HealthCheckTimeoutMs { get; init; } = 2000;

    /// <summary>
    /// Serve <c>/metrics</c> without authentication (for scrapers that cannot send a bearer token). Off by default:
    /// every endpoint except health and sign-in is authenticated.
    /// </summary>
    public bool AnonymousMetrics { get; init; }

    /// <summary>The parsed <see cref="Urls"/>.</summary>
    public IReadOnlyList<Uri> ParsedUrls
    {
        get
        {
            var list = new List<Uri>();
            foreach (string part in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(part, UriKind.Absolute, out Uri? uri))
                {
                    list.Add(uri);
                }
            }

            return list;
        }
    }

    /// <summary>Throws <see cref="WebConfigurationException"/> naming the first bad key and its allowed range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls))
        {
            throw new WebConfigurationException($"{Section}:Urls", "is required, e.g. http://127.0.0.1:8080.");
        }

        foreach (string part in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out Uri? uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.AbsolutePath != "/")
            {
                throw new WebConfigurationException(
                    $"{Section}:Urls", $"'{part}' is not an http(s)://host:port URL; use e.g. http://127.0.0.1:8080 (several separated by ';').");
            }
        }

        if (string.IsNullOrWhiteSpace(UsersFile))
        {
            throw new WebConfigurationException(
                $"{Section}:UsersFile",
                "is required: the path of a JSON users file outside the repository (entries name, role, hash; create hashes with `users hash`).");
        }

        if (!File.Exists(UsersFile))
        {
            throw new WebConfigurationException($"{Section}:UsersFile", $"file '{UsersFile}' does not exist.");
        }

        Range(nameof(RefreshSeconds), RefreshSeconds, MinRefreshSeconds, MaxRefreshSeconds);
        Range(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, MinRequestBodyBytes, MaxRequestBodyBytesLimit);
        Range(nameof(SessionMinutes), SessionMinutes, 5, 10080);
        Range(nameof(HealthCheckTimeoutMs), HealthCheckTimeoutMs, 100, 60000);
    }

    /// <summary>True when every URL binds to a loopback address (or localhost).</summary>
    public bool IsLoopbackOnly()
    {
        foreach (Uri uri in ParsedUrls)
        {
            bool loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
            {
                return false;
            }
        }

        return true;
    }

    private static void Range(string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new WebConfigurationException(
                $"{Section}:{key}",
                string.Create(CultureInfo.InvariantCulture, $"is {value}; allowed {min}..{max}."));
        }
    }
}

/// <summary>A web setting that cannot work; <see cref="Key"/> names it (e.g. <c>Web:UsersFile</c>).</summary>
public sealed class WebConfigurationException : Exception
{
    public WebConfigurationException(string key, string message)
        : base($"{key} {message}")
    {
        Key = key;
    }

    public WebConfigurationException()
    {
        Key = string.Empty;
    }

    public WebConfigurationException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public WebConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public string Key { get; }
}

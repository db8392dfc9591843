using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TelemetryPipeline.Web;

/// <summary>The three roles; each includes the ones before it (admin ⊃ approver ⊃ viewer).</summary>
public enum WebRole
{
    /// <summary>Utilization and pipeline pages, read-only APIs.</summary>
    Viewer = 0,

    /// <summary>Viewer, plus approvals: approve / reject, allocation details and exports.</summary>
    Approver = 1,

    /// <summary>Approver, plus settlement triggers and configuration views.</summary>
    Admin = 2,
}

/// <summary>One configured user: a name, a role and the PBKDF2 hash of their token (or password).</summary>
public sealed record WebUser(string Name, WebRole Role, string Hash);

/// <summary>
/// The users allowed in, loaded from a JSON file kept outside the repository:
/// <c>{"users":[{"name":"alice","role":"approver","hash":"pbkdf2-sha256$600000$…$…"}]}</c>. Only hashes are stored;
/// <see cref="HashToken"/> makes them (the host exposes it as <c>users hash</c>).
/// </summary>
public sealed class WebUsers
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256; verification is cached, so the cost is paid once per token.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Hashes below this work factor are refused when loading.</summary>
    public const int MinIterations = 10_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaxCachedTokens = 1024;

    private static readonly TimeSpan s_positiveCacheTime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_negativeCacheTime = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, WebUser> _byName;
    private readonly ConcurrentDictionary<string, (WebUser? User, long ExpiresAtTicks)> _tokenCache = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public WebUsers(IEnumerable<WebUser> users, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        _clock = clock ?? TimeProvider.System;
        _byName = new Dictionary<string, WebUser>(StringComparer.Ordinal);
        foreach (WebUser user in users)
        {
            if (!_byName.TryAdd(user.Name, user))
            {
                throw new WebConfigurationException($"{WebOptions.Section}:UsersFile", $"user '{user.Name}' appears twice.");
            }
        }
    }

    /// <summary>Every user, by name.</summary>
    public IReadOnlyCollection<WebUser> All => _byName.Values;

    /// <summary>
    /// Reads and validates a users file. Throws <see cref="WebConfigurationException"/> (key <c>Web:UsersFile</c>) naming
    /// the entry that is wrong.
    /// </summary>
    public static WebUsers Load(string path, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        const string Key = $"{WebOptions.Section}:UsersFile";
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            throw new WebConfigurationException(Key, $"file '{path}' cannot be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new WebConfigurationException(Key, $"file '{path}' cannot be read: {ex.Message}");
        }

        return new WebUsers(Parse(json, path), clock);
    }

    /// <summary>Parses the users JSON (an object with a <c>users</c> array, or the array itself).</summary>
    public static IReadOnlyList<WebUser> Parse(string json, string source = "users file")
    {
        const string Key = $"{WebOptions.Section}:UsersFile";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new WebConfigurationException(Key, $"'{source}' is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            JsonElement array = document.RootElement;
            if (array.ValueKind == JsonValueKind.Object && array.TryGetProperty("users", out JsonElement inner))
            {
                array = inner;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw new WebConfigurationException(Key, $"'{source}' must be {{\"users\": [{{\"name\", \"role\", \"hash\"}}, …]}}.");
            }

            var users = new List<WebUser>();
            int index = 0;
            foreach (JsonElement entry in array.EnumerateArray())
            {
                string where = string.Create(CultureInfo.InvariantCulture, $"'{source}' entry {index}");
                string name = Text(entry, "name", where);
                if (name.Length > 200 || name.Any(char.IsControl) || name != name.Trim())
                {
                    throw new WebConfigurationException(Key, $"{where}: name must be 1..200 printable characters without surrounding spaces.");
                }

                string roleText = Text(entry, "role", where);
                if (!TryParseRole(roleText, out WebRole role))
                {
                    throw new WebConfigurationException(Key, $"{where} ({name}): role '{roleText}' is not one of viewer, approver, admin.");
                }

                string hash = Text(entry, "hash", where);
                if (!TryParseHash(hash, out int iterations, out _, out _))
                {
                    throw new WebConfigurationException(
                        Key, $"{where} ({name}): hash is not '{Scheme}$iterations$salt$hash' (make one with `users hash`).");
                }

                if (iterations < MinIterations)
                {
                    throw new WebConfigurationException(
                        Key, string.Create(CultureInfo.InvariantCulture, $"{where} ({name}): {iterations} PBKDF2 iterations is too weak; at least {MinIterations}."));
                }

                users.Add(new WebUser(name, role, hash));
                index++;
            }

            if (users.Count == 0)
            {
                throw new WebConfigurationException(Key, $"'{source}' lists no users: nobody could sign in.");
            }

            return users;
        }
    }

    /// <summary>
    /// The stored form of a token or password: <c>pbkdf2-sha256$iterations$salt$hash</c> (salt and hash base64), with a
    /// fresh random salt each call.
    /// </summary>
    public static string HashToken(string token, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(
            CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>
    /// Writes a users file (hashes only) readable by its owner alone, e.g. for <c>demo</c> with freshly generated tokens.
    /// Existing files are replaced.
    /// </summary>
    public static void WriteFile(string path, IEnumerable<(string Name, WebRole Role, string Token)> users, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(users);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("users");
            foreach ((string name, WebRole role, string token) in users)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("role", RoleName(role));
                writer.WriteString("hash", HashToken(token, iterations));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        File.WriteAllBytes(path, buffer.ToArray());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>A new random token (32 bytes, base64url) to hand to a person or a scraper.</summary>
    public static string GenerateToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True when <paramref name="token"/> matches <paramref name="hash"/> (constant-time comparison).</summary>
    public static bool Verify(string token, string hash)
    {
        if (string.IsNullOrEmpty(token) || !TryParseHash(hash, out int iterations, out byte[]? salt, out byte[]? expected))
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public bool TryGet(string name, [NotNullWhen(true)] out WebUser? user) => _byName.TryGetValue(name, out user);

    /// <summary>Sign-in with a name and the secret (form login).</summary>
    public bool TryAuthenticate(string name, string secret, [NotNullWhen(true)] out WebUser? user)
    {
        if (!string.IsNullOrEmpty(name) && _byName.TryGetValue(name, out WebUser? found) && Verify(secret, found.Hash))
        {
            user = found;
            return true;
        }

        user = null;
        return false;
    }

    /// <summary>
    /// A bearer token: whose is it? Tokens carry no name, so a miss checks every user's hash; results are cached by the
    /// token's SHA-256 (10 minutes when valid, 1 minute when not) so the PBKDF2 cost is paid once per token.
    /// </summary>
    public bool TryAuthenticateToken(string token, [NotNullWhen(true)] out WebUser? user)
    {
        user = null;
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return false;
        }

        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        long now = _clock.GetUtcNow().UtcTicks;
        if (_tokenCache.TryGetValue(key, out var cached) && cached.ExpiresAtTicks > now)
        {
            user = cached.User;
            return user is not null;
        }

        foreach (WebUser candidate in _byName.Values)
        {
            if (Verify(token, candidate.Hash))
            {
                user = candidate;
                break;
            }
        }

        if (_tokenCache.Count >= MaxCachedTokens)
        {
            _tokenCache.Clear();
        }

        TimeSpan ttl = user is null ? s_negativeCacheTime : s_positiveCacheTime;
        _tokenCache[key] = (user, now + ttl.Ticks);
        return user is not null;
    }

    public static bool TryParseRole(string text, out WebRole role)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "VIEWER":
                role = WebRole.Viewer;
                return true;
            case "APPROVER":
                role = WebRole.Approver;
                return true;
            case "ADMIN":
                role = WebRole.Admin;
                return true;
            default:
                role = WebRole.Viewer;
                return false;
        }
    }

    public static string RoleName(WebRole role) => role switch
    {
        WebRole.Viewer => "viewer",
        WebRole.Approver => "approver",
        WebRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    private static bool TryParseHash(string hash, out int iterations, [NotNullWhen(true)] out byte[]? salt, [NotNullWhen(true)] out byte[]? value)
    {
        iterations = 0;
        salt = null;
        value = null;
        string[] parts = (hash ?? string.Empty).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            value = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            salt = null;
            value = null;
            return false;
        }

        return salt.Length >= 8 && value.Length >= 16;
    }

    private static string Text(JsonElement entry, string property, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || !entry.TryGetProperty(property, out JsonElement value)
            || value.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(value.GetString()))
        {
            throw new WebConfigurationException($"{WebOptions.Section}:UsersFile", $"{where}: '{property}' is required (a string).");
        }

        return value.GetString()!;
    }
}

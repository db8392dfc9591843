namespace TelemetryPipeline.State.Resp;

/// <summary>The <c>INFO</c> reply format: <c>key:value</c> lines, <c>#</c> section headers, CRLF line ends.</summary>
public static class RedisInfo
{
    /// <summary>The fields of an INFO reply (headers and blank lines skipped).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? reply)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in (reply ?? string.Empty).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] != '#')
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }
}

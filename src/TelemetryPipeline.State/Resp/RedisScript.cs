using System.Security.Cryptography;
using System.Text;

namespace TelemetryPipeline.State.Resp;

/// <summary>A Lua script and its SHA1, run with <c>EVALSHA</c> and sent in full only when the server lacks it.</summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
        SourceBytes = Encoding.UTF8.GetBytes(source);
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(SourceBytes));
    }

    /// <summary>The Lua text.</summary>
    public string Source { get; }

    /// <summary>Lower-case hex SHA1 of the UTF-8 source, as <c>SCRIPT LOAD</c> returns it.</summary>
    public string Sha1 { get; }

    internal byte[] SourceBytes { get; }

    /// <summary>Loads the script from an embedded resource of <paramref name="assembly"/>.</summary>
    public static RedisScript FromResource(System.Reflection.Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using Stream stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Embedded script '{resourceName}' not found in {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(reader.ReadToEnd());
    }
}

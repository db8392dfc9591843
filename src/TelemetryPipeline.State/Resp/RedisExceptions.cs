namespace TelemetryPipeline.State.Resp;

/// <summary>
/// Base of every failure the Redis client reports. <see cref="IsRetriable"/> says whether the same call may succeed
/// if repeated unchanged; a retried write must be idempotent (the telemetry apply is: its dedupe absorbs replays).
/// </summary>
public abstract class RedisException : Exception
{
    protected RedisException()
    {
    }

    protected RedisException(string message)
        : base(message)
    {
    }

    protected RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when repeating the call unchanged may succeed (connection loss, timeout, server busy or loading).</summary>
    public abstract bool IsRetriable { get; }
}

/// <summary>
/// The server answered with an error reply (<c>-ERR …</c>, <c>-NOSCRIPT …</c>, <c>-BUSY …</c>). The command was
/// rejected or failed on the server; the connection is fine.
/// </summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException()
    {
        ErrorCode = "ERR";
    }

    public RedisServerException(string message)
        : base(message)
    {
        ErrorCode = CodeOf(message);
    }

    public RedisServerException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = CodeOf(message);
    }

    /// <summary>The first word of the error reply, e.g. <c>ERR</c>, <c>NOSCRIPT</c>, <c>WRONGTYPE</c>, <c>BUSY</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>
    /// True for transient server states: BUSY (a script is running), LOADING (restarting from disk), TRYAGAIN,
    /// CLUSTERDOWN, MASTERDOWN, READONLY (a failover in progress). False for command errors such as ERR or WRONGTYPE.
    /// </summary>
    public override bool IsRetriable => ErrorCode is "BUSY" or "LOADING" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY";

    internal static RedisServerException FromReply(string reply) => new(reply);

    private static string CodeOf(string message)
    {
        int space = message.IndexOf(' ', StringComparison.Ordinal);
        string code = space < 0 ? message : message[..space];
        return code.Length > 0 && code.AsSpan().IndexOfAnyInRange('a', 'z') < 0 ? code : "ERR";
    }
}

/// <summary>
/// The connection could not be made or was lost. A command that was in flight may or may not have run on the
/// server; retrying is safe for idempotent commands. The client reconnects on its own with backoff.
/// </summary>
public class RedisConnectionException : RedisException
{
    public RedisConnectionException()
    {
    }

    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool IsRetriable => true;
}

/// <summary>
/// The server sent bytes that are not valid RESP2. The client drops the connection (there is no way to resynchronize
/// a pipelined stream) and reconnects.
/// </summary>
public sealed class RedisProtocolException : RedisConnectionException
{
    public RedisProtocolException()
    {
    }

    public RedisProtocolException(string message)
        : base(message)
    {
    }

    public RedisProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// No reply within <see cref="RedisOptions.CommandTimeout"/>. The command was sent and may still run on the server;
/// a late reply is discarded. Retrying is safe for idempotent commands.
/// </summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException()
    {
    }

    public RedisTimeoutException(string message)
        : base(message)
    {
    }

    public RedisTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public override bool IsRetriable => true;
}

/// <summary>A configuration value is out of range: fatal and not retriable; <see cref="Key"/> names it.</summary>
public sealed class RedisConfigurationException : RedisException
{
    public RedisConfigurationException()
    {
    }

    public RedisConfigurationException(string message)
        : base(message)
    {
    }

    public RedisConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The configuration key at fault, for example <c>Redis:Shards</c>.</summary>
    public string? Key { get; init; }

    public override bool IsRetriable => false;
}

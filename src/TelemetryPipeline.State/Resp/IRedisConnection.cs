namespace TelemetryPipeline.State.Resp;

/// <summary>One command of a pipeline: its name (first word) and arguments (including any subcommand).</summary>
public readonly record struct RedisRequest(string Command, RedisArgs? Args);

/// <summary>
/// The narrow Redis surface the state store needs: single commands, pipelines and scripts. Implementations keep the
/// connection up themselves and may be shared by concurrent callers; concurrent commands are pipelined. Arguments must
/// stay undisposed until the returned task completes.
/// </summary>
public interface IRedisConnection : IAsyncDisposable
{
    /// <summary>The server address, for messages and health reports.</summary>
    string Endpoint { get; }

    /// <summary>Sends one command and returns its reply.</summary>
    /// <exception cref="RedisServerException">The server answered with an error.</exception>
    /// <exception cref="RedisConnectionException">No connection, or it was lost before the reply.</exception>
    /// <exception cref="RedisTimeoutException">No reply within the command timeout.</exception>
    Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the commands back to back in one write and returns their replies in order. Error replies are returned as
    /// values (<see cref="RedisValue.IsError"/>), not thrown, because the other commands did run.
    /// </summary>
    Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="script"/> with <c>EVALSHA</c>; if the server does not have it (<c>NOSCRIPT</c>, e.g. after a
    /// restart or <c>SCRIPT FLUSH</c>), sends it once with <c>EVAL</c>, which also caches it for the next calls.
    /// </summary>
    /// <exception cref="RedisServerException">The script failed (error replies are thrown).</exception>
    Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken);
}

using System.Globalization;
using TelemetryPipeline.State;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Load;

/// <summary>
/// Counts what a client sends: one per command, one per script call, a pipeline's commands each. This is the
/// "Redis calls" figure; the server's <c>INFO commandstats</c> also counts the commands a script runs inside it.
/// </summary>
internal sealed class CountingRedisConnection(IRedisConnection inner) : IRedisConnection
{
    private long _commands;
    private long _roundTrips;

    public string Endpoint => inner.Endpoint;

    public long Commands => Interlocked.Read(ref _commands);

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _commands);
        Interlocked.Increment(ref _roundTrips);
        return inner.ExecuteAsync(command, args, cancellationToken);
    }

    public Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _commands, requests.Count);
        Interlocked.Increment(ref _roundTrips);
        return inner.ExecutePipelineAsync(requests, cancellationToken);
    }

    public Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _commands);
        Interlocked.Increment(ref _roundTrips);
        return inner.EvalShaAsync(script, keys, args, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>Server-side figures of one contender's Redis: command statistics, memory, CPU, remembered ids.</summary>
internal sealed class RedisProbe : IAsyncDisposable
{
    private static readonly HashSet<string> s_adminCommands = new(StringComparer.Ordinal)
    {
        "info", "config|resetstat", "config|set", "config|get", "memory|usage", "dbsize", "eval_admin", "ping", "flushall", "scan", "client|setname",
    };

    private readonly RedisConnection _connection;

    private RedisProbe(RedisConnection connection) => _connection = connection;

    public static async Task<RedisProbe> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var options = new RedisOptions { Endpoint = endpoint, CommandTimeout = TimeSpan.FromMinutes(5) };
        return new RedisProbe(await RedisConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false));
    }

    public async Task ResetStatsAsync(CancellationToken cancellationToken)
    {
        using RedisArgs args = RedisArgs.Of("RESETSTAT");
        await _connection.ExecuteAsync("CONFIG", args, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string section, CancellationToken cancellationToken)
    {
        using RedisArgs args = RedisArgs.Of(section);
        RedisValue reply = await _connection.ExecuteAsync("INFO", args, cancellationToken).ConfigureAwait(false);
        return RedisInfo.Parse(reply.AsString());
    }

    public async Task<long> UsedMemoryAsync(CancellationToken cancellationToken) =>
        long.Parse((await InfoAsync("memory", cancellationToken).ConfigureAwait(false))["used_memory"], CultureInfo.InvariantCulture);

    public async Task<double> CpuSecondsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> cpu = await InfoAsync("cpu", cancellationToken).ConfigureAwait(false);
        return double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
    }

    /// <summary>Calls per command since the last reset, without this probe's own commands.</summary>
    public async Task<SortedDictionary<string, long>> CommandCallsAsync(CancellationToken cancellationToken)
    {
        var calls = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach ((string key, string value) in await InfoAsync("commandstats", cancellationToken).ConfigureAwait(false))
        {
            string command = key.StartsWith("cmdstat_", StringComparison.Ordinal) ? key["cmdstat_".Length..] : key;
            if (s_adminCommands.Contains(command))
            {
                continue;
            }

            int start = value.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length;
            int end = value.IndexOf(',', start);
            calls[command] = long.Parse(value.AsSpan(start, end - start), CultureInfo.InvariantCulture);
        }

        return calls;
    }

    /// <summary>Deletes every key matching one of <paramref name="patterns"/> (server side, in one script call per pattern).</summary>
    public async Task DeleteMatchingAsync(IEnumerable<string> patterns, CancellationToken cancellationToken)
    {
        const string Script = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n";
        foreach (string pattern in patterns)
        {
            using RedisArgs args = RedisArgs.Of(Script, "0", pattern);
            await _connection.ExecuteAsync("EVAL", args, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Number of keys matching <paramref name="pattern"/> and the sum of their hash or set lengths (0 for other types).</summary>
    public async Task<(long Keys, long Members)> CountAsync(string pattern, CancellationToken cancellationToken)
    {
        const string Script =
            "local keys, members = 0, 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do keys = keys + 1 " +
            "local t = redis.call('TYPE', k)['ok'] if t == 'hash' then members = members + redis.call('HLEN', k) " +
            "elseif t == 'set' then members = members + redis.call('SCARD', k) end end return {keys, members}";
        using RedisArgs args = RedisArgs.Of(Script, "0", pattern);
        RedisValue reply = await _connection.ExecuteAsync("EVAL", args, cancellationToken).ConfigureAwait(false);
        RedisValue[] items = reply.ThrowIfError().ToArray();
        return (items[0].AsInt64(), items[1].AsInt64());
    }

    public async Task<long> DbSizeAsync(CancellationToken cancellationToken) =>
        (await _connection.ExecuteAsync("DBSIZE", null, cancellationToken).ConfigureAwait(false)).AsInt64();

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

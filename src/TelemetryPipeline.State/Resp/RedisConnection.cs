namespace TelemetryPipeline.State.Resp;

/// <summary>
/// A pipelined RESP2 connection to one Redis server. Concurrent callers share one socket (Redis executes commands one
/// at a time anyway; pipelining is what makes it fast). When the socket is lost, commands in flight fail with a
/// retriable <see cref="RedisConnectionException"/> and a background loop reconnects with exponential backoff;
/// commands issued meanwhile wait up to <see cref="RedisOptions.ConnectTimeout"/> for it.
/// </summary>
public sealed class RedisConnection : IRedisConnection
{
    private readonly RedisOptions _options;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposal = new();
    private RespSession? _session;
    private Task<RespSession>? _connecting;
    private Exception? _lastConnectError;
    private long _connects;
    private long _scriptFallbacks;
    private bool _disposed;

    /// <summary>Creates a connection that connects on first use.</summary>
    /// <exception cref="RedisConfigurationException">The options are invalid.</exception>
    public RedisConnection(RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Endpoint => _options.Endpoint;

    /// <summary>True while a socket is open.</summary>
    public bool IsConnected => Volatile.Read(ref _session) is { IsAlive: true };

    /// <summary>Sockets opened so far (1 + the number of reconnects).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>How often <see cref="EvalShaAsync"/> had to send a script in full after <c>NOSCRIPT</c>.</summary>
    public long ScriptFallbacks => Interlocked.Read(ref _scriptFallbacks);

    /// <summary>Creates a connection and waits until it is up.</summary>
    /// <exception cref="RedisConnectionException">No connection within <see cref="RedisOptions.ConnectTimeout"/>.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var connection = new RedisConnection(options);
        try
        {
            await connection.GetSessionAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<RedisValue> ExecuteAsync(string command, RedisArgs? args, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        RedisValue value = await SendAsync(command, args, null, cancellationToken).ConfigureAwait(false);
        return value.ThrowIfError();
    }

    public async Task<RedisValue[]> ExecutePipelineAsync(IReadOnlyList<RedisRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }

        var reply = PendingReply.Pipeline(requests.Count);
        await EnqueueAsync(session => session.Enqueue(requests, reply), cancellationToken).ConfigureAwait(false);
        return await Wait(reply.ManyTask, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RedisValue> EvalShaAsync(RedisScript script, IReadOnlyList<string> keys, RedisArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        using (var head = new RedisArgs(64 + (keys.Count * 32)))
        {
            head.Add(script.Sha1).Add(keys.Count);
            AddKeys(head, keys);
            RedisValue value = await SendAsync("EVALSHA", head, args, cancellationToken).ConfigureAwait(false);
            if (!value.IsError || !value.Bytes.StartsWith("NOSCRIPT"u8))
            {
                return value.ThrowIfError();
            }
        }

        // NOSCRIPT means nothing ran, so sending the body is safe; EVAL also caches it for the next EVALSHA.
        Interlocked.Increment(ref _scriptFallbacks);
        using var full = new RedisArgs(script.SourceBytes.Length + 64 + (keys.Count * 32));
        full.Add(script.SourceBytes).Add(keys.Count);
        AddKeys(full, keys);
        RedisValue result = await SendAsync("EVAL", full, args, cancellationToken).ConfigureAwait(false);
        return result.ThrowIfError();
    }

    /// <summary>Loads a script into the server's cache ahead of its first use; returns its SHA1.</summary>
    public async Task<string> LoadScriptAsync(RedisScript script, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        using var args = new RedisArgs(script.SourceBytes.Length + 32);
        args.Add("LOAD").Add(script.SourceBytes);
        RedisValue sha = await ExecuteAsync("SCRIPT", args, cancellationToken).ConfigureAwait(false);
        return sha.AsString() ?? string.Empty;
    }

    public async ValueTask DisposeAsync()
    {
        RespSession? session;
        Task<RespSession>? connecting;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            session = _session;
            _session = null;
            connecting = _connecting;
        }

        await _disposal.CancelAsync().ConfigureAwait(false);
        session?.Close(new ObjectDisposedException(nameof(RedisConnection)));
        if (connecting is not null)
        {
            try
            {
                (await connecting.ConfigureAwait(false)).Close(new ObjectDisposedException(nameof(RedisConnection)));
            }
            catch (Exception)
            {
                // The reconnect loop stopped because of the disposal; its outcome no longer matters.
            }
        }

        _disposal.Dispose();
    }

    private static void AddKeys(RedisArgs args, IReadOnlyList<string> keys)
    {
        for (int i = 0; i < keys.Count; i++)
        {
            args.Add(keys[i]);
        }
    }

    private static Task<T> Wait<T>(Task<T> task, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;

    private async Task<RedisValue> SendAsync(string command, RedisArgs? first, RedisArgs? second, CancellationToken cancellationToken)
    {
        var reply = PendingReply.Single(command);
        await EnqueueAsync(session => session.Enqueue(command, first, second, reply), cancellationToken).ConfigureAwait(false);
        return await Wait(reply.SingleTask, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EnqueueAsync(Action<RespSession> enqueue, CancellationToken cancellationToken)
    {
        RespSession session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            enqueue(session);
        }
        catch (RedisConnectionException) when (!session.IsAlive)
        {
            // The socket died between picking the session and queuing on it; nothing was sent, so the next one may take it.
            enqueue(await GetSessionAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    private ValueTask<RespSession> GetSessionAsync(CancellationToken cancellationToken)
    {
        RespSession? session = Volatile.Read(ref _session);
        return session is { IsAlive: true } ? new ValueTask<RespSession>(session) : new ValueTask<RespSession>(WaitForSessionAsync(cancellationToken));
    }

    private async Task<RespSession> WaitForSessionAsync(CancellationToken cancellationToken)
    {
        Task<RespSession> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is { IsAlive: true } alive)
            {
                return alive;
            }

            connecting = StartConnecting();
        }

        try
        {
            return await connecting.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Exception? last = Volatile.Read(ref _lastConnectError);
            throw new RedisConnectionException(
                $"No connection to Redis at {Endpoint} within {_options.ConnectTimeout} (Redis:ConnectTimeout): {last?.Message ?? "still connecting"}",
                last);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(RedisConnection));
        }
    }

    // Under _gate.
    private Task<RespSession> StartConnecting()
    {
        if (_connecting is { IsCompleted: false } running)
        {
            return running;
        }

        _connecting = Task.Run(ConnectLoopAsync);
        return _connecting;
    }

    private async Task<RespSession> ConnectLoopAsync()
    {
        CancellationToken disposal = _disposal.Token;
        TimeSpan delay = _options.ReconnectMinDelay;
        while (true)
        {
            disposal.ThrowIfCancellationRequested();
            try
            {
                RespSession session = await RespSession.ConnectAsync(_options, OnSessionClosed, disposal).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_disposed)
                    {
                        session.Close(new ObjectDisposedException(nameof(RedisConnection)));
                        disposal.ThrowIfCancellationRequested();
                    }

                    _session = session;
                    Volatile.Write(ref _lastConnectError, null);
                }

                Interlocked.Increment(ref _connects);
                return session;
            }
            catch (Exception ex) when (!disposal.IsCancellationRequested)
            {
                Volatile.Write(ref _lastConnectError, ex);
            }

            // Jitter keeps many instances from reconnecting in lockstep after a Redis restart.
            TimeSpan wait = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
            await Task.Delay(wait, disposal).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
        }
    }

    private void OnSessionClosed(RespSession session, Exception reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_session, session))
            {
                return;
            }

            _session = null;
            Volatile.Write(ref _lastConnectError, reason);
            if (!_disposed)
            {
                StartConnecting();
            }
        }
    }
}

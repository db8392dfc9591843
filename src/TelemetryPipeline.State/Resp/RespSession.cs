using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TelemetryPipeline.State.Resp;

/// <summary>
/// One TCP connection: commands are appended to an outgoing buffer under a lock together with their
/// <see cref="PendingReply"/>, so the order of bytes on the wire and of the reply queue always agree; a single flush
/// loop writes whatever accumulated (pipelining), a single receive loop parses replies and completes them FIFO.
/// Any I/O or protocol failure closes the session for good; <see cref="RedisConnection"/> then makes a new one.
/// </summary>
internal sealed class RespSession
{
    private const int InitialReceiveBuffer = 64 * 1024;
    private const int InitialSendBuffer = 16 * 1024;

    // Send buffers above this go back to the pool after use instead of being kept as the spare.
    private const int MaxRetainedSendBuffer = 1024 * 1024;

    private readonly Socket _socket;
    private readonly string _endpoint;
    private readonly TimeSpan _commandTimeout;
    private readonly Action<RespSession, Exception> _onClosed;
    private readonly Lock _lock = new();
    private readonly Queue<PendingReply> _pending = new();
    private readonly Timer _timeoutTimer;
    private byte[] _outgoing;
    private int _outgoingLength;
    private byte[]? _spare;
    private bool _flushing;
    private Exception? _fault;

    private RespSession(Socket socket, RedisOptions options, Action<RespSession, Exception> onClosed)
    {
        _socket = socket;
        _endpoint = options.Endpoint;
        _commandTimeout = options.CommandTimeout;
        _onClosed = onClosed;
        _outgoing = ArrayPool<byte>.Shared.Rent(InitialSendBuffer);
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(_commandTimeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerMillisecond * 500));
        _timeoutTimer = new Timer(static state => ((RespSession)state!).ExpireTimedOut(), this, period, period);
    }

    public bool IsAlive => Volatile.Read(ref _fault) is null;

    /// <summary>Opens the socket, starts the receive loop and authenticates when a password is configured.</summary>
    public static async Task<RespSession> ConnectAsync(RedisOptions options, Action<RespSession, Exception> onClosed, CancellationToken cancellationToken)
    {
        (string host, int port) = RedisOptions.SplitEndpoint(options.Endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            string reason = ex is OperationCanceledException ? $"no answer within {options.ConnectTimeout}" : ex.Message;
            throw new RedisConnectionException($"Cannot connect to Redis at {options.Endpoint}: {reason}.", ex);
        }

        var session = new RespSession(socket, options, onClosed);
        _ = session.ReceiveLoopAsync();
        if (options.Password is not null)
        {
            await session.AuthenticateAsync(options, timeout.Token).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Queues one command made of an optional name and up to two argument lists.</summary>
    /// <exception cref="RedisConnectionException">The session is closed; nothing was sent.</exception>
    public void Enqueue(string? command, RedisArgs? first, RedisArgs? second, PendingReply reply)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            AppendCommand(command, first, second);
            Track(reply);
            if (!StartFlush())
            {
                return;
            }
        }

        _ = FlushLoopAsync();
    }

    /// <summary>Queues several commands in one write, answered through one <see cref="PendingReply"/>.</summary>
    public void Enqueue(IReadOnlyList<RedisRequest> requests, PendingReply reply)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            for (int i = 0; i < requests.Count; i++)
            {
                RedisRequest request = requests[i];
                AppendCommand(request.Command, request.Args, null);
            }

            Track(reply);
            if (!StartFlush())
            {
                return;
            }
        }

        _ = FlushLoopAsync();
    }

    /// <summary>Fails every waiting command and closes the socket; later enqueues throw.</summary>
    public void Close(Exception reason)
    {
        PendingReply[] orphans;
        lock (_lock)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = reason;
            orphans = [.. _pending];
            _pending.Clear();
        }

        _timeoutTimer.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to shut down.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        var lost = reason as RedisConnectionException
            ?? new RedisConnectionException($"Connection to Redis at {_endpoint} lost: {reason.Message}", reason);
        foreach (PendingReply orphan in orphans)
        {
            orphan.Fail(lost);
        }

        _onClosed(this, reason);
    }

    private async Task AuthenticateAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        using var args = new RedisArgs();
        if (options.User is not null)
        {
            args.Add(options.User);
        }

        args.Add(options.Password!);
        var reply = PendingReply.Single("AUTH");
        Enqueue("AUTH", args, null, reply);
        RedisValue value;
        try
        {
            value = await reply.SingleTask.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Close(ex);
            throw new RedisConnectionException($"AUTH at Redis {options.Endpoint} got no answer: {ex.Message}", ex);
        }

        if (value.IsError)
        {
            var error = new RedisConnectionException($"AUTH at Redis {options.Endpoint} failed: {value.AsString()}");
            Close(error);
            throw error;
        }
    }

    private void ThrowIfClosed()
    {
        if (_fault is { } fault)
        {
            throw new RedisConnectionException($"Connection to Redis at {_endpoint} is closed: {fault.Message}", fault);
        }
    }

    private void Track(PendingReply reply)
    {
        reply.EnqueuedAt = Stopwatch.GetTimestamp();
        _pending.Enqueue(reply);
    }

    private bool StartFlush()
    {
        if (_flushing)
        {
            return false;
        }

        _flushing = true;
        return true;
    }

    private void AppendCommand(string? command, RedisArgs? first, RedisArgs? second)
    {
        int count = (command is null ? 0 : 1) + (first?.Count ?? 0) + (second?.Count ?? 0);
        int commandBytes = command is null ? 0 : Encoding.UTF8.GetByteCount(command);
        int size = 16 + (command is null ? 0 : RedisArgs.BulkLength(commandBytes)) + (first?.EncodedLength ?? 0) + (second?.EncodedLength ?? 0);
        EnsureOutgoing(size);
        Span<byte> target = _outgoing.AsSpan(_outgoingLength);
        int at = RedisArgs.WriteArrayHeader(target, count);
        if (command is not null)
        {
            Span<byte> name = commandBytes <= 64 ? stackalloc byte[commandBytes] : new byte[commandBytes];
            Encoding.UTF8.GetBytes(command, name);
            at += RedisArgs.WriteBulk(target[at..], name);
        }

        if (first is not null)
        {
            first.Encoded.CopyTo(target[at..]);
            at += first.EncodedLength;
        }

        if (second is not null)
        {
            second.Encoded.CopyTo(target[at..]);
            at += second.EncodedLength;
        }

        _outgoingLength += at;
    }

    private void EnsureOutgoing(int extra)
    {
        if (_outgoingLength + extra <= _outgoing.Length)
        {
            return;
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_outgoing.Length * 2, _outgoingLength + extra));
        _outgoing.AsSpan(0, _outgoingLength).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_outgoing);
        _outgoing = bigger;
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                byte[] sending;
                int length;
                lock (_lock)
                {
                    if (_outgoingLength == 0 || _fault is not null)
                    {
                        _flushing = false;
                        return;
                    }

                    sending = _outgoing;
                    length = _outgoingLength;
                    _outgoing = _spare ?? ArrayPool<byte>.Shared.Rent(InitialSendBuffer);
                    _spare = null;
                    _outgoingLength = 0;
                }

                int sent = 0;
                while (sent < length)
                {
                    sent += await _socket.SendAsync(sending.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                }

                lock (_lock)
                {
                    if (_spare is null && sending.Length <= MaxRetainedSendBuffer)
                    {
                        _spare = sending;
                        sending = [];
                    }
                }

                if (sending.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(sending);
                }
            }
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _flushing = false;
            }

            Close(ex is SocketException or ObjectDisposedException
                ? new RedisConnectionException($"Writing to Redis at {_endpoint} failed: {ex.Message}", ex)
                : ex);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        int start = 0;
        int end = 0;
        long required = 0;
        try
        {
            while (true)
            {
                int live = end - start;
                if (end == buffer.Length || start + required > buffer.Length)
                {
                    long wanted = Math.Max(live + 4096L, required);
                    if (wanted <= buffer.Length)
                    {
                        buffer.AsSpan(start, live).CopyTo(buffer);
                    }
                    else
                    {
                        byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, wanted), Array.MaxLength));
                        buffer.AsSpan(start, live).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    start = 0;
                    end = live;
                }

                int received = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    throw new RedisConnectionException($"Redis at {_endpoint} closed the connection.");
                }

                end += received;
                if (end - start < required)
                {
                    continue;
                }

                start = Dispatch(buffer, start, end, out required);
                if (start == end)
                {
                    start = 0;
                    end = 0;
                }
            }
        }
        catch (Exception ex)
        {
            Close(ex is SocketException or ObjectDisposedException
                ? new RedisConnectionException($"Reading from Redis at {_endpoint} failed: {ex.Message}", ex)
                : ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Completes waiting commands with every whole reply in the buffer; returns the new start.</summary>
    private int Dispatch(byte[] buffer, int start, int end, out long required)
    {
        var reader = new RespReader(buffer.AsSpan(start, end - start));
        while (reader.TryReadValue(out RedisValue value))
        {
            lock (_lock)
            {
                if (!_pending.TryPeek(out PendingReply? head))
                {
                    throw new RedisProtocolException($"Redis at {_endpoint} sent a reply nobody asked for: {value}.");
                }

                if (head.Accept(value))
                {
                    _pending.Dequeue();
                }
            }
        }

        required = reader.RequiredLength - reader.Consumed;
        return start + reader.Consumed;
    }

    private void ExpireTimedOut()
    {
        long now = Stopwatch.GetTimestamp();
        List<PendingReply>? expired = null;
        lock (_lock)
        {
            foreach (PendingReply pending in _pending)
            {
                if (pending.Age(now) < _commandTimeout)
                {
                    break;
                }

                if (!pending.IsCompleted)
                {
                    (expired ??= []).Add(pending);
                }
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (PendingReply pending in expired)
        {
            pending.Fail(new RedisTimeoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"Redis at {_endpoint} did not answer {pending.Description} within {_commandTimeout.TotalMilliseconds:0} ms (Redis:CommandTimeout); it may still run.")));
        }
    }
}

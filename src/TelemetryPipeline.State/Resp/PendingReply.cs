using System.Diagnostics;

namespace TelemetryPipeline.State.Resp;

/// <summary>
/// The reply (or replies, for a pipeline) one caller waits for. Replies are matched to these in FIFO order; one that
/// timed out stays queued so that its late reply is consumed by it and not by the next caller.
/// </summary>
internal sealed class PendingReply
{
    private readonly TaskCompletionSource<RedisValue>? _single;
    private readonly TaskCompletionSource<RedisValue[]>? _many;
    private readonly RedisValue[]? _results;
    private int _received;

    private PendingReply(string description, int expected, bool pipeline)
    {
        Description = description;
        Expected = expected;
        if (!pipeline)
        {
            _single = new TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            _results = new RedisValue[expected];
            _many = new TaskCompletionSource<RedisValue[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public string Description { get; }

    public int Expected { get; }

    /// <summary>Stopwatch timestamp of the enqueue; replies are queued in this order.</summary>
    public long EnqueuedAt { get; set; }

    public Task<RedisValue> SingleTask => _single!.Task;

    public Task<RedisValue[]> ManyTask => _many!.Task;

    public bool IsCompleted => _single?.Task.IsCompleted ?? _many!.Task.IsCompleted;

    public static PendingReply Single(string command) => new(command, 1, pipeline: false);

    public static PendingReply Pipeline(int count) => new("pipeline", count, pipeline: true);

    /// <summary>Takes the next reply; true when this entry has all it expects and leaves the queue.</summary>
    public bool Accept(RedisValue value)
    {
        if (_single is not null)
        {
            _single.TrySetResult(value);
            return true;
        }

        _results![_received++] = value;
        if (_received < Expected)
        {
            return false;
        }

        _many!.TrySetResult(_results);
        return true;
    }

    public void Fail(Exception error)
    {
        if (_single is not null)
        {
            _single.TrySetException(error);
        }
        else
        {
            _many!.TrySetException(error);
        }
    }

    public TimeSpan Age(long now) => Stopwatch.GetElapsedTime(EnqueuedAt, now);
}

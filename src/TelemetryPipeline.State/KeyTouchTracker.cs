using System.Collections.Concurrent;

namespace TelemetryPipeline.State;

/// <summary>
/// Remembers which keys this process has recently given their TTL (and, for bucket keys, their day-index membership),
/// so that a key written by every batch gets its <c>EXPIRE</c> about once a day instead of once per batch. A key's TTL
/// is therefore at least its configured TTL minus <see cref="RefreshInterval"/> after its last write. Forgotten
/// entirely when the shard's layout epoch changes (Redis lost its data) or the tracker grows past
/// <see cref="MaxEntries"/>; forgetting only costs extra <c>EXPIRE</c>s.
/// </summary>
internal sealed class KeyTouchTracker
{
    public const int MaxEntries = 2_000_000;

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, long> _touchedAtMs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _epochs = new();

    /// <summary>True when the key was not touched by this process within <see cref="RefreshInterval"/>.</summary>
    public bool NeedsTouch(string key, long nowMs) =>
        !_touchedAtMs.TryGetValue(key, out long at) || nowMs - at >= (long)RefreshInterval.TotalMilliseconds;

    /// <summary>Records keys whose TTL a successful apply set.</summary>
    public void Touched(List<string> keys, long nowMs)
    {
        if (_touchedAtMs.Count + keys.Count > MaxEntries)
        {
            _touchedAtMs.Clear();
        }

        foreach (string key in keys)
        {
            _touchedAtMs[key] = nowMs;
        }
    }

    /// <summary>Notes the layout a shard's read returned; a different one than before means the keys it knew are gone.</summary>
    public void ObserveLayout(int shard, string layout)
    {
        if (_epochs.TryGetValue(shard, out string? known) && known == layout)
        {
            return;
        }

        if (known is not null)
        {
            _touchedAtMs.Clear();
        }

        _epochs[shard] = layout;
    }
}

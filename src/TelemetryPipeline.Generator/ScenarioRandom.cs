namespace TelemetryPipeline.Generator;

/// <summary>
/// SplitMix64: a tiny, fast PRNG whose sequence is fixed by this code alone (not by the runtime's
/// <see cref="Random"/> implementation), so a seed means the same records on every .NET version.
/// </summary>
internal sealed class ScenarioRandom
{
    private ulong _state;

    public ScenarioRandom(ulong seed) => _state = seed;

    /// <summary>A generator for one (seed, stream, index) pair, independent of how many values other streams drew.</summary>
    public static ScenarioRandom For(int seed, ulong stream, ulong index = 0)
    {
        ulong s = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ Mix(stream + 0x632BE59BD9B4E019UL) ^ Mix(index * 0xD1B54A32D192ED03UL + 1));
        return new ScenarioRandom(s);
    }

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double NextDouble(double min, double max) => min + (NextDouble() * (max - min));

    /// <summary>Uniform in [min, max).</summary>
    public int Next(int min, int max) => min + (int)(NextULong() % (ulong)(max - min));

    /// <summary>Uniform in [min, max).</summary>
    public long NextLong(long min, long max) => min + (long)(NextULong() % (ulong)(max - min));

    public bool Chance(double probability) => probability > 0 && NextDouble() < probability;

    /// <summary>A version-4-shaped GUID string drawn from this stream.</summary>
    public string NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, NextULong());
        BitConverter.TryWriteBytes(bytes[8..], NextULong());
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

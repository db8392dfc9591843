using System.Text;
using BenchmarkDotNet.Attributes;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Micro;

/// <summary>
/// RESP2 parsing (<see cref="RespReader"/>) of the replies the pipeline reads most — the read script's dedupe flags,
/// a bucket hash's HGETALL array, a run of integer replies — and argument encoding (<see cref="RedisArgs"/>) of a
/// small command and of a batch's apply arguments.
/// </summary>
[MemoryDiagnoser]
public class RespBenchmarks
{
    private byte[] _outcomes = [];
    private byte[] _hgetall = [];
    private byte[] _integers = [];
    private long[] _ids = [];
    private string[] _fields = [];

    [GlobalSetup]
    public void Setup()
    {
        _outcomes = Encoding.ASCII.GetBytes("$5000\r\n" + new string('0', 5000) + "\r\n");
        var array = new StringBuilder("*400\r\n");
        for (int i = 0; i < 200; i++)
        {
            string field = $"{i % 96}|1|PRJ-1001|03-200";
            string value = (i * 12_345).ToString(System.Globalization.CultureInfo.InvariantCulture);
            array.Append('$').Append(field.Length).Append("\r\n").Append(field).Append("\r\n");
            array.Append('$').Append(value.Length).Append("\r\n").Append(value).Append("\r\n");
        }

        _hgetall = Encoding.ASCII.GetBytes(array.ToString());
        var integers = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            integers.Append(':').Append(i * 7).Append("\r\n");
        }

        _integers = Encoding.ASCII.GetBytes(integers.ToString());
        var random = new Random(1);
        _ids = [.. Enumerable.Range(0, 5000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))];
        _fields = [.. Enumerable.Range(0, 96 * 4).Select(i => $"{i / 4}|{(i % 4) + 1}|PRJ-1001|03-200")];
    }

    /// <summary>The read script's dedupe flags for a 5,000-event batch: one bulk string of '0'/'1' digits.</summary>
    [Benchmark]
    public int ParseReadFlags()
    {
        var reader = new RespReader(_outcomes);
        return reader.TryReadValue(out RedisValue value) ? value.Bytes.Length : -1;
    }

    /// <summary>HGETALL of a bucket hash with 200 fields (as settlement reads a day).</summary>
    [Benchmark]
    public int ParseHashReply()
    {
        var reader = new RespReader(_hgetall);
        return reader.TryReadValue(out RedisValue value) ? value.Items.Length : -1;
    }

    /// <summary>100 pipelined integer replies (HINCRBY results, the naive pattern).</summary>
    [Benchmark]
    public int ParseHundredIntegers()
    {
        var reader = new RespReader(_integers);
        int n = 0;
        while (reader.TryReadValue(out _))
        {
            n++;
        }

        return n;
    }

    /// <summary>A per-event command of the naive reference: SET key 1 NX EX ttl.</summary>
    [Benchmark]
    public int EncodeSetNx()
    {
        using RedisArgs args = RedisArgs.Of("naive:d:1:telematics:VL000123/42/u", "1", "NX", "EX", "2678400");
        return args.EncodedLength;
    }

    /// <summary>
    /// The arguments of a 5,000-event apply: every id (signed decimal) once, and 3.4 bucket cells per event (field and
    /// amount), as the load run's batches carry them.
    /// </summary>
    [Benchmark]
    public int EncodeApplyArguments()
    {
        using var args = new RedisArgs(5000 * 100);
        args.Add("v2 dedupe-sets-per-hour=256 epoch=0123456789abcdef").Add(2_678_400L).Add(6_048_000L).Add(_ids.Length);
        foreach (long id in _ids)
        {
            args.Add(id);
        }

        for (int i = 0; i < 17_000; i++)
        {
            args.Add(_fields[i % _fields.Length]).Add(i * 1_000L);
        }

        return args.EncodedLength;
    }
}

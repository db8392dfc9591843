using System.Text;
using BenchmarkDotNet.Attributes;
using TelemetryPipeline.State.Resp;

namespace TelemetryPipeline.Perf.Micro;

/// <summary>
/// RESP2 parsing (<see cref="RespReader"/>) of the replies the pipeline reads most — the apply script's outcome string,
/// a bucket hash's HGETALL array, a run of integer replies — and argument encoding (<see cref="RedisArgs"/>) of a
/// small command and of a batch's packed event records.
/// </summary>
[MemoryDiagnoser]
public class RespBenchmarks
{
    private byte[] _outcomes = [];
    private byte[] _hgetall = [];
    private byte[] _integers = [];
    private byte[] _records = [];

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
        _records = new byte[5000 * 43];
        new Random(1).NextBytes(_records);
    }

    /// <summary>The apply script's reply for a 5,000-event batch: one bulk string of outcome digits.</summary>
    [Benchmark]
    public int ParseApplyReply()
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

    /// <summary>The packed records argument of a 5,000-event apply (43 bytes per event) plus its small arguments.</summary>
    [Benchmark]
    public int EncodeApplyArguments()
    {
        using var args = new RedisArgs(_records.Length + 256);
        args.Add(2_678_400L).Add(6_048_000L).Add(1200).Add(4);
        _records.CopyTo(args.AddSpan(_records.Length));
        return args.EncodedLength;
    }
}

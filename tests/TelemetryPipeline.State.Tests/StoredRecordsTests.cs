using System.Text;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.State.Tests;

public sealed class StoredRecordsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("PRJ-1", "03-200")]
    [InlineData("P|1", "C%7C|x")]
    [InlineData("P%25", "|")]
    public void TryParseBucketField_FormattedField_RoundTrips(string? project, string? cost)
    {
        string field = StoredRecords.BucketField(95, Measure.FuelBurnMl, project, cost);

        StoredRecords.TryParseBucketField(Encoding.UTF8.GetBytes(field), out int slot, out Measure measure, out string? p, out string? c)
            .Should().BeTrue();

        slot.Should().Be(95);
        measure.Should().Be(Measure.FuelBurnMl);
        p.Should().Be(project);
        c.Should().Be(cost);
    }

    [Fact]
    public void BucketField_NoCodes_HasEmptyCodeParts()
    {
        StoredRecords.BucketField(3, Measure.IdleMs, null, null).Should().Be("3|2||");
    }

    [Fact]
    public void CodePair_OnlyOneCode_IsIgnored()
    {
        StoredRecords.CodePair("PRJ-1", null).Should().BeNull();
        StoredRecords.CodePair(null, "03-200").Should().BeNull();
        StoredRecords.BucketField(0, Measure.OperatingMs, "PRJ-1", null).Should().Be("0|1||");
    }

    [Theory]
    [InlineData("96|1||")]
    [InlineData("-1|1||")]
    [InlineData("1|9||")]
    [InlineData("1|1|")]
    [InlineData("1|1|a|b|c")]
    [InlineData("x|1||")]
    public void TryParseBucketField_Malformed_ReturnsFalse(string field)
    {
        StoredRecords.TryParseBucketField(Encoding.UTF8.GetBytes(field), out _, out _, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryParseIncident_ScriptRecord_Parses()
    {
        byte[] record = Encoding.UTF8.GetBytes("4|1|1767225600000|1767222000000|100|7200100|7200000|serial:X|Y");

        StoredRecords.TryParseIncident(record, out MeterIncident? incident).Should().BeTrue();

        incident.Should().Be(new MeterIncident("serial:X|Y", Measure.OperatingMs, EventOutcome.Anomaly, 1767225600000, 1767222000000, 100, 7200100, 7200000));
    }

    [Theory]
    [InlineData("0|1|1|1|1|1|0|x")]
    [InlineData("4|1|1|1|1|1|x")]
    [InlineData("4|9|1|1|1|1|0|x")]
    public void TryParseIncident_Malformed_ReturnsFalse(string record)
    {
        StoredRecords.TryParseIncident(Encoding.UTF8.GetBytes(record), out _).Should().BeFalse();
    }

    [Fact]
    public void ShardOf_IsStableAndSpreads()
    {
        RedisKeyspace.ShardOf("canonical:EX-0042", 1).Should().Be(0);
        RedisKeyspace.ShardOf("canonical:EX-0042", 16).Should().Be(RedisKeyspace.ShardOf("canonical:EX-0042", 16));

        // FNV-1a 32 of "a" is 0xE40C292C: a fixed value, not a per-process hash.
        RedisKeyspace.ShardOf("a", 1000).Should().Be((int)(0xE40C292Cu % 1000));

        var used = new HashSet<int>();
        for (int i = 0; i < 1000; i++)
        {
            used.Add(RedisKeyspace.ShardOf($"serial:{i}", 8));
        }

        used.Should().HaveCount(8);
    }

    [Fact]
    public void Keyspace_Keys_ShareTheShardHashTag()
    {
        var keys = new RedisKeyspace("tp", 4);

        keys.Tag(2).Should().Be("{tp:2}");
        keys.Dedupe(2, 5, 7).Should().Be("{tp:2}:d:5:7");
        keys.Layout(2).Should().Be("{tp:2}:layout");
        keys.Bucket(2, "serial:X", 20000).Should().Be("{tp:2}:b:serial:X:20000");
        keys.DayIndex(2, 20000).Should().Be("{tp:2}:i:20000");
        keys.Meter(2, "serial:X").Should().Be("{tp:2}:m:serial:X");
        keys.Incidents(2, 20000).Should().Be("{tp:2}:a:20000");
    }
}

using System.Buffers.Binary;
using TelemetryPipeline.Avro;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Schemas.Tests;

public class TelemetryCodecTests
{
    private static readonly Dictionary<int, string> s_ids = new()
    {
        [1] = "EquipmentUsage",
        [2] = "EquipmentIdle",
        [3] = "FuelEvent",
        [4] = "EquipmentAssignment",
        [5] = "EquipmentRate",
        [6] = "EquipmentAlias",
        [7] = "EquipmentUsage.v1",
    };

    private readonly TelemetryCodec _codec = TelemetryCodec.CreateDefault(s_ids);

    public static TheoryData<int> SampleIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Samples.All.Count(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SampleIndexes))]
    public void EncodeSingleObject_EveryRecord_DecodesToEqualRecord(int index)
    {
        var record = Samples.All.ElementAt(index);

        var bytes = _codec.EncodeSingleObject(record);

        bytes[0].Should().Be(0xC3);
        bytes[1].Should().Be(0x01);
        Decode(bytes).Should().Be(record);
    }

    [Theory]
    [MemberData(nameof(SampleIndexes))]
    public void EncodeConfluent_EveryRecord_DecodesToEqualRecord(int index)
    {
        var record = Samples.All.ElementAt(index);
        var id = s_ids.First(kv => kv.Value == record.GetType().Name).Key;

        var bytes = _codec.EncodeConfluent(id, record);

        bytes[0].Should().Be(0x00);
        BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1)).Should().Be(id);
        Decode(bytes).Should().Be(record);
    }

    [Fact]
    public void TryDecodeTelemetry_UsageV1SingleObject_DecodesAsCurrentWithDefaultDistance()
    {
        var bytes = _codec.EncodeUsageV1SingleObject(Samples.Usage);

        _codec.TryDecodeTelemetry(bytes, out var value, out _).Should().BeTrue();

        value.Should().Be(Samples.Usage with { DistanceKm = null });
        BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(2)).Should().Be(_codec.Fingerprints["EquipmentUsage.v1"]);
        _codec.Fingerprints["EquipmentUsage.v1"].Should().NotBe(_codec.Fingerprints["EquipmentUsage"]);
    }

    [Fact]
    public void TryDecodeTelemetry_UsageV1Confluent_DecodesAsCurrent()
    {
        var bytes = _codec.EncodeConfluent(7, Samples.Usage);

        _codec.TryDecodeTelemetry(bytes, out var value, out _).Should().BeTrue();

        value.Should().Be(Samples.Usage with { DistanceKm = null });
    }

    [Fact]
    public void TryDecodeTelemetry_UsageV1_IsShorterThanCurrentByTheDistanceField()
    {
        var v1 = _codec.EncodeUsageV1SingleObject(Samples.MinimalUsage);
        var v2 = _codec.EncodeSingleObject(Samples.MinimalUsage);

        v2.Length.Should().Be(v1.Length + 1, "v2 adds one null union index for distanceKm");
    }

    [Fact]
    public void TryDecodeTelemetry_Garbage_RejectsAsUndecodable()
    {
        _codec.TryDecodeTelemetry("{\"json\":true}"u8, out var value, out var rejection).Should().BeFalse();

        value.Should().BeNull();
        rejection.Reason.Should().Be(RejectionReasons.Undecodable);
        rejection.Detail.Should().Contain("0x7B 0x22").And.Contain("single-object");
    }

    [Fact]
    public void TryDecodeTelemetry_UnknownFingerprint_RejectsAsUnknownSchema()
    {
        var bytes = _codec.EncodeSingleObject(Samples.Usage);
        bytes[5] ^= 0xFF;

        _codec.TryDecodeTelemetry(bytes, out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.UnknownSchema);
        rejection.Detail.Should().Contain("fingerprint 0x").And.Contain("EquipmentUsage.v1");
    }

    [Fact]
    public void TryDecodeTelemetry_UnknownConfluentId_RejectsAsUnknownSchema()
    {
        var bytes = _codec.EncodeConfluent(1, Samples.Usage);
        bytes[4] = 99;

        _codec.TryDecodeTelemetry(bytes, out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.UnknownSchema);
        rejection.Detail.Should().Contain("schema id 99").And.Contain("1, 2, 3, 4, 5, 6, 7");
    }

    [Fact]
    public void TryDecodeTelemetry_EveryTruncation_RejectsWithOffsetAndNeverThrows()
    {
        var bytes = _codec.EncodeSingleObject(Samples.Usage);

        for (var length = 0; length < bytes.Length; length++)
        {
            _codec.TryDecodeTelemetry(bytes.AsSpan(0, length), out var value, out var rejection).Should().BeFalse();
            value.Should().BeNull();
            rejection.Reason.Should().Be(RejectionReasons.Undecodable, $"length {length}");
            if (length >= 10)
            {
                rejection.Detail.Should().Contain("byte offset");
            }
        }
    }

    [Fact]
    public void TryDecodeTelemetry_TruncatedString_NamesFieldAndOffset()
    {
        var bytes = _codec.EncodeSingleObject(Samples.Usage);

        _codec.TryDecodeTelemetry(bytes.AsSpan(0, 14), out _, out var rejection).Should().BeFalse();

        rejection.Detail.Should().Contain("eventId").And.Contain("byte offset 10").And.Contain("writer schema EquipmentUsage");
    }

    [Fact]
    public void TryDecodeTelemetry_TrailingBytes_Rejects()
    {
        var bytes = _codec.EncodeSingleObject(Samples.Idle).Append((byte)0).ToArray();

        _codec.TryDecodeTelemetry(bytes, out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.Undecodable);
        rejection.Detail.Should().Contain("1 unexpected bytes").And.Contain($"byte offset {bytes.Length - 1}");
    }

    [Fact]
    public void TryDecodeTelemetry_MasterDataPayload_RejectsAsUnknownSchema()
    {
        _codec.TryDecodeTelemetry(_codec.EncodeSingleObject(Samples.Rate), out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.UnknownSchema);
        rejection.Detail.Should().Contain("master-data");
    }

    [Fact]
    public void TryDecodeMasterData_TelemetryPayload_RejectsAsUnknownSchema()
    {
        _codec.TryDecodeMasterData(_codec.EncodeSingleObject(Samples.Fuel), out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.UnknownSchema);
    }

    [Fact]
    public void TryDecodeTelemetry_BadEnumIndex_RejectsAsUndecodable()
    {
        var bytes = _codec.EncodeSingleObject(Samples.MinimalFuel);

        // The kind byte is the only one that differs from the same event with the other kind.
        var other = _codec.EncodeSingleObject(Samples.MinimalFuel with { Kind = FuelKind.Fill });
        var position = Enumerable.Range(0, bytes.Length).Single(i => bytes[i] != other[i]);
        bytes[position] = 0x08;

        _codec.TryDecodeTelemetry(bytes, out _, out var rejection).Should().BeFalse();

        rejection.Reason.Should().Be(RejectionReasons.Undecodable);
        rejection.Detail.Should().Contain("enum index 4").And.Contain("kind").And.Contain($"byte offset {position}");
    }

    [Fact]
    public void EncodeSingleObject_CostWithMoreThanFourDecimals_Throws()
    {
        var act = () => _codec.EncodeSingleObject(Samples.Fuel with { TotalCost = 1.00001m });

        act.Should().Throw<AvroException>().WithMessage("*totalCost*");
    }

    [Fact]
    public void EncodeConfluent_WrongRecordForId_Throws()
    {
        var act = () => _codec.EncodeConfluent(2, Samples.Usage);

        act.Should().Throw<ArgumentException>().WithMessage("*EquipmentIdle*");
    }

    [Fact]
    public void CreateDefault_UnknownSchemaName_Throws()
    {
        var act = () => TelemetryCodec.CreateDefault(new Dictionary<int, string> { [1] = "EquipmentUsage.v9" });

        act.Should().Throw<ArgumentException>().WithMessage("*EquipmentUsage.v9*");
    }

    [Fact]
    public void TryDecodeTelemetry_ManyThreads_DecodeIndependently()
    {
        var payloads = Enumerable.Range(0, 200).Select(i => _codec.EncodeSingleObject(Samples.Usage with { EventId = "e" + i })).ToArray();

        var results = new string?[payloads.Length];
        Parallel.For(0, payloads.Length, i =>
        {
            _codec.TryDecodeTelemetry(payloads[i], out var value, out _);
            results[i] = value?.EventId;
        });

        results.Should().Equal(Enumerable.Range(0, 200).Select(i => "e" + i));
    }

    private object Decode(byte[] bytes)
    {
        _codec.TryDecode(bytes, out var generic, out var rejection).Should().BeTrue(rejection.ToString());
        if (generic is TelemetryEvent)
        {
            _codec.TryDecodeTelemetry(bytes, out var telemetry, out rejection).Should().BeTrue(rejection.ToString());
            telemetry.Should().Be(generic);
            _codec.TryDecodeMasterData(bytes, out _, out _).Should().BeFalse();
        }
        else
        {
            _codec.TryDecodeMasterData(bytes, out var master, out rejection).Should().BeTrue(rejection.ToString());
            master.Should().Be(generic);
        }

        return generic!;
    }
}

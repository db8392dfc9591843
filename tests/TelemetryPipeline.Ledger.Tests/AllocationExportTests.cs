using System.Text.Json;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

public sealed class AllocationExportTests
{
    // Verbatim from ALLOCATION-RULES.md, "Allocation record".
    private const string DocumentedExample = """
        {
          "allocationId": "2026-11-20/PRJ-1001/03-200/r1",
          "period": "2026-11-20", "projectCode": "PRJ-1001", "costCode": "03-200", "revision": 1,
          "currency": "USD", "status": "pending",
          "operatingHours": 15.25, "idleHours": 3.5, "fuelLiters": 210.4, "amount": "2143.50",
          "lines": [ { "equipmentId": "EX-0042", "operatingHours": 8.0, "idleHours": 1.5,
                       "fuelLiters": 120.0, "operatingAmount": "845.00", "idleAmount": "45.00",
                       "fuelAmount": "186.00", "amount": "1076.00" } ]
        }
        """;

    private const long Hour = 3_600_000;

    [Fact]
    public void ToJson_DocumentedExample_MatchesFieldByField()
    {
        // EX-0042 is the documented line (6.5 working h × 130 + 1.5 idle h × 30 + 120 L × 1.55); DZ-0007 makes up the
        // documented totals: 7.25 h operating, 2 h idle, 90.4 L, 1067.50.
        var example = new Allocation(
            new DateOnly(2026, 11, 20),
            "PRJ-1001",
            "03-200",
            1,
            "USD",
            AllocationStatus.Pending,
            [
                new AllocationLine("EX-0042", 8 * Hour, Hour + Hour / 2, 120_000, 845.00m, 45.00m, 186.00m, Samples.Rate),
                new AllocationLine("DZ-0007", 7 * Hour + Hour / 4, 2 * Hour, 90_400, 682.50m, 60.00m, 325.00m, Samples.Rate),
            ]);

        using JsonDocument actual = JsonDocument.Parse(AllocationExport.ToJson([example]));
        using JsonDocument expected = JsonDocument.Parse(DocumentedExample);

        actual.RootElement.ValueKind.Should().Be(JsonValueKind.Array);
        actual.RootElement.GetArrayLength().Should().Be(1);
        JsonElement record = actual.RootElement[0];
        AssertSameFields(record, expected.RootElement, except: "lines");
        JsonElement lines = record.GetProperty("lines");
        lines.GetArrayLength().Should().Be(2);
        AssertSameFields(lines[0], expected.RootElement.GetProperty("lines")[0], except: null);
    }

    [Fact]
    public void ToJson_Revision_WritesNegativeDifferences()
    {
        var revision = new Allocation(
            new DateOnly(2026, 11, 20),
            "PRJ-1001",
            "03-200",
            2,
            "USD",
            AllocationStatus.Approved,
            [new AllocationLine("EX-0042", -Hour / 4, -1, -1_500, -32.50m, 0m, -2.33m, Samples.Rate)]);

        JsonElement record = JsonDocument.Parse(AllocationExport.ToJson([revision])).RootElement[0];

        record.GetProperty("allocationId").GetString().Should().Be("2026-11-20/PRJ-1001/03-200/r2");
        record.GetProperty("status").GetString().Should().Be("approved");
        record.GetProperty("operatingHours").GetRawText().Should().Be("-0.25");
        record.GetProperty("idleHours").GetRawText().Should().Be("0.0", "−1 ms rounds to zero, never to \"-0.0\"");
        record.GetProperty("fuelLiters").GetRawText().Should().Be("-1.5");
        record.GetProperty("amount").GetString().Should().Be("-34.83");
        record.GetProperty("lines")[0].GetProperty("idleAmount").GetString().Should().Be("0.00");
    }

    [Theory]
    [InlineData(0L, "0.0")]
    [InlineData(1L, "0.0")]
    [InlineData(1_799L, "0.0005")]
    [InlineData(1_800L, "0.0005")]
    [InlineData(5_400_001L, "1.5")]
    [InlineData(3_600_000L, "1.0")]
    [InlineData(100 * 3_600_000L + 1_234, "100.000343")]
    [InlineData(-1_800L, "-0.0005")]
    public void Hours_Milliseconds_RoundToSixDecimals(long ms, string expected) =>
        AllocationExport.Quantity(AllocationExport.Hours(ms)).Should().Be(expected);

    [Theory]
    [InlineData(210_400L, "210.4")]
    [InlineData(1L, "0.001")]
    [InlineData(120_000L, "120.0")]
    public void Liters_Millilitres_ExactToThreeDecimals(long ml, string expected) =>
        AllocationExport.Quantity(AllocationExport.Liters(ml)).Should().Be(expected);

    [Theory]
    [InlineData("2143.5", "2143.50")]
    [InlineData("0", "0.00")]
    [InlineData("-12.3", "-12.30")]
    [InlineData("1234567.89", "1234567.89")]
    public void Amount_Decimal_HasExactlyTwoDecimalsInvariant(string amount, string expected) =>
        AllocationExport.Amount(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(expected);

    [Fact]
    public void ToCsv_TwoLines_OneRowPerLineWithAllocationColumnsRepeated()
    {
        Allocation allocation = Samples.Allocation() with
        {
            Lines = [Samples.Line("EX-1", 8 * Hour, Hour, 120_000, 845.00m, 45.00m, 186.00m), Samples.Line("EX-2", Hour, 0, 0, 130.00m, 0m, 0m)],
        };

        string[] rows = AllocationExport.ToCsv([allocation]).Split("\r\n");

        rows.Should().HaveCount(4, "header, two lines and the empty string after the final CRLF");
        rows[^1].Should().BeEmpty();
        rows[0].Should().StartWith("allocation_id,period,project_code,cost_code,revision,currency,status,");
        rows[1].Should().Be("2026-11-20/PRJ-1001/03-200/r1,2026-11-20,PRJ-1001,03-200,1,USD,pending,9.0,1.0,120.0,1206.00,"
            + "EX-1,8.0,1.0,120.0,845.00,45.00,186.00,1076.00,130.0000,30.0000,false,1.5500,USD,2026-01-01T00:00:00.000Z");
        rows[2].Should().StartWith("2026-11-20/PRJ-1001/03-200/r1,2026-11-20,PRJ-1001,03-200,1,USD,pending,9.0,1.0,120.0,1206.00,EX-2,1.0,0.0,0.0,130.00,");
    }

    [Fact]
    public void ToCsv_FieldsWithCommaQuoteAndNewline_AreQuotedPerRfc4180()
    {
        Allocation allocation = Samples.Allocation(project: "PRJ \"North\", phase 2", costCode: "03-200", equipmentId: "EX-1\nspare");

        string csv = AllocationExport.ToCsv([allocation]);

        csv.Should().Contain(",\"PRJ \"\"North\"\", phase 2\",03-200,");
        csv.Should().Contain(",\"EX-1\nspare\",");
        csv.Should().Contain("\"2026-11-20/PRJ \"\"North\"\", phase 2/03-200/r1\"");
        CountRecords(csv).Should().Be(2, "the newline inside the quoted field does not end a record");
    }

    [Fact]
    public void ToCsv_NoAllocations_WritesOnlyTheHeader()
    {
        string csv = AllocationExport.ToCsv([]);

        csv.Should().EndWith("\r\n");
        csv.Split("\r\n").Should().HaveCount(2);
    }

    private static void AssertSameFields(JsonElement actual, JsonElement expected, string? except)
    {
        string[] expectedNames = expected.EnumerateObject().Select(p => p.Name).ToArray();
        actual.EnumerateObject().Select(p => p.Name).Should().Equal(expectedNames, "the field names and their order are the documented contract");
        foreach (JsonProperty property in expected.EnumerateObject())
        {
            if (property.Name == except)
            {
                continue;
            }

            JsonElement value = actual.GetProperty(property.Name);
            value.ValueKind.Should().Be(property.Value.ValueKind, property.Name);
            value.GetRawText().Should().Be(property.Value.GetRawText(), property.Name);
        }
    }

    private static int CountRecords(string csv)
    {
        int records = 0;
        bool quoted = false;
        for (int i = 0; i < csv.Length; i++)
        {
            if (csv[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && csv[i] == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n')
            {
                records++;
            }
        }

        return records;
    }
}

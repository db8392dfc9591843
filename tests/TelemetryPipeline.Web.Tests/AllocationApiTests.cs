using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class AllocationApiTests(WebFixture fixture)
{
    private const string SettledId = "2026-11-20/PRJ-1001/03-200/r1";

    [Fact]
    public async Task List_FilteredByPeriodAndProject_ReturnsOnlyMatchesWithTotal()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        JsonElement page = await GetJsonAsync(client, "/api/allocations?status=&from=2026-11-20&to=2026-11-20&project=PRJ-1001&limit=2");

        page.GetProperty("totalCount").GetInt32().Should().Be(3, "03-200, 03-300 and the explicit 03-400");
        page.GetProperty("limit").GetInt32().Should().Be(2);
        JsonElement[] items = [.. page.GetProperty("items").EnumerateArray()];
        items.Should().HaveCount(2);
        items.Should().OnlyContain(i => i.GetProperty("projectCode").GetString() == "PRJ-1001" && i.GetProperty("period").GetString() == "2026-11-20");
    }

    [Fact]
    public async Task List_BadFilter_Returns400NamingTheParameter()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/api/allocations?status=waiting");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("status").And.Contain("pending");
    }

    [Fact]
    public async Task Get_IdWithSlashes_ReturnsLinesRatesAuditAndExplanation()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        JsonElement detail = await GetJsonAsync(client, $"/api/allocations/{SettledId}?explain=true");

        JsonElement allocation = detail.GetProperty("allocation");
        allocation.GetProperty("allocationId").GetString().Should().Be(SettledId);
        JsonElement line = allocation.GetProperty("lines").EnumerateArray().Single();
        line.GetProperty("equipmentId").GetString().Should().Be("EX-0042");
        line.GetProperty("rate").GetProperty("operatingRate").GetDecimal().Should().Be(130m);
        detail.GetProperty("audit").EnumerateArray().First().GetProperty("actor").GetString().Should().Be(LedgerStore.SettlementActor);
        JsonElement explained = detail.GetProperty("explanation").EnumerateArray().Single();
        explained.GetProperty("amountReproduces").GetBoolean().Should().BeTrue();
        explained.GetProperty("bucketsMatchRevisions").GetBoolean().Should().BeTrue();
        // 07:00–15:00 UTC on the 20th: 8 h of 15-minute buckets.
        explained.GetProperty("buckets").GetArrayLength().Should().Be(32);
        explained.GetProperty("lineAmount").GetString().Should().Be(line.GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Get_Unknown_Returns404WithMessage()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/api/allocations/2020-01-01/NOPE/00/r1");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("No allocation 2020-01-01/NOPE/00/r1");
    }

    [Fact]
    public async Task Reject_WithoutComment_Returns400WithClearMessage()
    {
        string id = await fixture.StagePendingAsync("nocomment");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage empty = await client.PostAsync($"/api/allocations/{id}/reject", null);
        using HttpResponseMessage blank = await client.PostAsJsonAsync($"/api/allocations/{id}/reject", new { comment = "   " });

        empty.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        blank.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonElement problem = ParseJson(await blank.Content.ReadAsStringAsync());
        problem.GetProperty("detail").GetString().Should().Contain("rejection needs a comment");
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task Reject_WithComment_RejectsAndAuditsComment()
    {
        string id = await fixture.StagePendingAsync("reject");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/api/allocations/{id}/reject", new { comment = "machine was on another site" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonElement body = ParseJson(await response.Content.ReadAsStringAsync());
        body.GetProperty("status").GetString().Should().Be("rejected");
        body.GetProperty("audit").GetProperty("actor").GetString().Should().Be(WebFixture.ApproverName);
        body.GetProperty("audit").GetProperty("comment").GetString().Should().Be("machine was on another site");
    }

    [Fact]
    public async Task Approve_EncodedId_IsTheSameAllocation()
    {
        string id = await fixture.StagePendingAsync("encoded");
        using HttpClient client = fixture.Client(WebFixture.AdminName);

        using HttpResponseMessage response = await client.PostAsync($"/api/allocations/{Uri.EscapeDataString(id)}/approve", null);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await fixture.Ledger.GetAuditAsync(id))[^1].Actor.Should().Be(WebFixture.AdminName);
    }

    [Fact]
    public async Task Approve_Twice_SecondIs409()
    {
        string id = await fixture.StagePendingAsync("twice");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);
        using HttpResponseMessage first = await client.PostAsync($"/api/allocations/{id}/approve", null);

        using HttpResponseMessage second = await client.PostAsync($"/api/allocations/{id}/approve", null);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await second.Content.ReadAsStringAsync()).Should().Contain("is approved, so it cannot become approved");
    }

    [Fact]
    public async Task Approve_Unknown_Returns404()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsync("/api/allocations/2020-01-01/NOPE/00/r1/approve", null);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Post_UnknownOperation_Returns404()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsync($"/api/allocations/{SettledId}/delete", null);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Approve_MalformedJson_Returns400()
    {
        string id = await fixture.StagePendingAsync("badjson");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsync($"/api/allocations/{id}/approve", new StringContent("{\"comment\":", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task ExportCsv_Period_IsTheLedgerExportWithAttachmentName()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/api/allocations/export?format=csv&from=2026-11-20&to=2026-11-20");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        response.Content.Headers.ContentDisposition!.FileName.Should().Contain("allocations-20261120-20261120.csv");
        string csv = await response.Content.ReadAsStringAsync();
        var page = await fixture.Ledger.ListAsync(new AllocationQuery { PeriodFrom = Fleet.Day, PeriodTo = Fleet.Day, Limit = 1000 });
        csv.Should().Be(AllocationExport.ToCsv(page.Items.Select(static e => e.Allocation)));
        csv.Should().StartWith("allocation_id,period,project_code");
        csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.Should().Be(1 + page.Items.Sum(static e => e.Allocation.Lines.Count));
    }

    [Fact]
    public async Task ExportJson_Period_MatchesAllocationRecordShape()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/api/allocations/export?format=json&from=2026-11-20&to=2026-11-20&project=PRJ-1001&costCode=03-200");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        JsonElement[] records = [.. ParseJson(await response.Content.ReadAsStringAsync()).EnumerateArray()];
        JsonElement record = records.Single();
        record.GetProperty("allocationId").GetString().Should().Be(SettledId);
        record.GetProperty("amount").ValueKind.Should().Be(JsonValueKind.String);
        record.GetProperty("lines")[0].GetProperty("equipmentId").GetString().Should().Be("EX-0042");
    }

    [Fact]
    public async Task Export_BadFormat_Returns400()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/api/allocations/export?format=xlsx");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("json or csv");
    }

    [Fact]
    public async Task Exceptions_Day_ListsUnresolvedUnassignedAndMissingRate()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        JsonElement rows = await GetJsonAsync(client, "/api/exceptions?from=2026-11-20&to=2026-11-20");

        string[] kinds = [.. rows.EnumerateArray().Select(static r => r.GetProperty("kind").GetString()!).Distinct()];
        kinds.Should().Contain([ExceptionKinds.UnresolvedIdentifier, ExceptionKinds.NoAssignment, ExceptionKinds.MissingRate]);
        rows.EnumerateArray().Should().Contain(r => r.GetProperty("identifier").GetString() == Fleet.Unknown);
    }

    [Fact]
    public async Task SettlementRuns_ListsTheFixturesRun()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        JsonElement runs = await GetJsonAsync(client, "/api/settlement/runs?limit=5");

        runs.GetArrayLength().Should().BeGreaterThan(0);
        runs[runs.GetArrayLength() - 1].GetProperty("instance").GetString().Should().Be("web-tests");
    }

    [Fact]
    public async Task RunSettlement_Admin_RunsTheInjectedServiceIdempotently()
    {
        using HttpClient client = fixture.Client(WebFixture.AdminName);
        int before = (await fixture.Ledger.ListSettlementRunsAsync(1000)).Count;

        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/settlement/run", new { now = Fleet.SettleNow });

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        JsonElement report = ParseJson(await response.Content.ReadAsStringAsync());
        report.GetProperty("allocationsStaged").GetInt32().Should().Be(0, "the fixture already settled the same buckets");
        (await fixture.Ledger.ListSettlementRunsAsync(1000)).Count.Should().Be(before + 1);
    }

    [Fact]
    public async Task Body_OverTheLimit_Returns413()
    {
        string id = await fixture.StagePendingAsync("big");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);
        string comment = new('x', (int)fixture.Options.MaxRequestBodyBytes + 10);

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/api/allocations/{id}/approve", new { comment });

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return ParseJson(text);
    }

    private static JsonElement ParseJson(string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

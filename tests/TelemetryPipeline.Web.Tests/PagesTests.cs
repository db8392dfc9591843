using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class PagesTests(WebFixture fixture)
{
    [Fact]
    public async Task Utilization_Week_DrawsChartsTimelinesAndIssues()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        string html = await client.GetStringAsync("/utilization?day=2026-11-20&range=week");

        html.Should().Contain("data-chart=\"stacked-bars\"").And.Contain("data-chart=\"grouped-bars\"");
        Regex.Matches(html, "<rect class=\"s-working\" ").Count.Should().Be(7, "one working segment per day of the week");
        html.Should().Contain("Sat 11-14").And.Contain("Fri 11-20");
        Regex.Matches(html, "data-chart=\"timeline\"").Count.Should().Be(7, "one timeline per machine: EX-0042 (alias and explicit codes merged), DZ-0007, LD-0100, CR-0500, GR-0300 and two unknown identifiers");
        foreach (string kind in new[] { "unknown_identifier", "no_assignment", "missing_rate", "meter_reset", "meter_anomaly", "late_reading" })
        {
            html.Should().Contain($"issue-{kind}");
        }

        html.Should().Contain("EquipmentAlias").And.Contain("EquipmentAssignment").And.Contain("EquipmentRate");
        html.Should().Contain("data-live=\"/utilization/live?day=2026-11-20&amp;range=week&amp;project=\"");
    }

    [Fact]
    public async Task Utilization_HostileIdentifier_IsEscapedEverywhere()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        string html = await client.GetStringAsync("/utilization?day=2026-11-20");

        html.Should().NotContain("<img src=x");
        html.Should().Contain("serial:&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    }

    [Fact]
    public async Task Utilization_ProjectInChicago_UsesLocalDayAndZone()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        string html = await client.GetStringAsync("/utilization?day=2026-11-20&project=PRJ-2002");

        html.Should().Contain("timelines in America/Chicago");
        html.Should().Contain("LD-0100").And.Contain("GR-0300").And.NotContain(">DZ-0007<");
    }

    [Fact]
    public async Task UtilizationLive_ReturnsFragmentJson()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        string json = await client.GetStringAsync("/utilization/live?day=2026-11-20&range=day&project=");

        using JsonDocument document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("html").GetString().Should().Contain("<table class=\"sortable\" id=\"projects\">");
        document.RootElement.GetProperty("generatedAt").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Utilization_BadDay_Returns400WithMessage()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.GetAsync("/utilization?day=20-11-2026");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("use yyyy-MM-dd");
    }

    [Fact]
    public async Task Approvals_ListsPendingWithExportLinks()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        string html = await client.GetStringAsync("/approvals?from=2026-11-20&to=2026-11-20");

        html.Should().Contain("href=\"/allocations/2026-11-20/PRJ-1001/03-200/r1\"");
        html.Should().Contain("/api/allocations/export?format=csv&amp;status=pending&amp;from=2026-11-20&amp;to=2026-11-20");
        html.Should().Contain("By period and project");
    }

    [Fact]
    public async Task AllocationDetail_ExplainsEachLineWithBuckets()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        string html = await client.GetStringAsync("/allocations/2026-11-20/PRJ-1001/03-200/r1");

        html.Should().Contain("EX-0042").And.Contain("✓ reproduced");
        html.Should().Contain("The buckets below add up to all revisions together");
        html.Should().Contain("serial:CAT0042X");
        html.Should().Contain("id=\"audit\"").And.Contain(Ledger.LedgerStore.SettlementActor);
    }

    [Fact]
    public async Task AllocationDetail_ExplicitCodes_SaysSo()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        string html = await client.GetStringAsync("/allocations/2026-11-20/PRJ-1001/03-400/r1");

        html.Should().Contain(">event codes<");
    }

    [Fact]
    public async Task DecideForm_ApproveWithSession_RedirectsAndAuditsTheUser()
    {
        string id = await fixture.StagePendingAsync("form-approve");
        using HttpClient client = fixture.Client();
        string cookies = await FormLogin.SignInAsync(client, fixture, WebFixture.ApproverName);
        string token = await DetailTokenAsync(client, cookies, id);

        using HttpResponseMessage response = await PostFormAsync(client, cookies, "/allocations/decide", new()
        {
            ["id"] = id,
            ["decision"] = "approve",
            ["comment"] = "ok by site manager",
            ["__RequestVerificationToken"] = token,
        });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().EndWith("?done=approved");
        var audit = await fixture.Ledger.GetAuditAsync(id);
        audit[^1].Actor.Should().Be(WebFixture.ApproverName);
        audit[^1].Comment.Should().Be("ok by site manager");
    }

    [Fact]
    public async Task DecideForm_RejectWithoutComment_Returns400PageAndChangesNothing()
    {
        string id = await fixture.StagePendingAsync("form-reject");
        using HttpClient client = fixture.Client();
        string cookies = await FormLogin.SignInAsync(client, fixture, WebFixture.ApproverName);
        string token = await DetailTokenAsync(client, cookies, id);

        using HttpResponseMessage response = await PostFormAsync(client, cookies, "/allocations/decide", new()
        {
            ["id"] = id,
            ["decision"] = "reject",
            ["comment"] = string.Empty,
            ["__RequestVerificationToken"] = token,
        });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("A rejection needs a comment");
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task DecideForm_WithoutToken_Returns400AndChangesNothing()
    {
        string id = await fixture.StagePendingAsync("form-notoken");
        using HttpClient client = fixture.Client();
        string cookies = await FormLogin.SignInAsync(client, fixture, WebFixture.ApproverName);

        using HttpResponseMessage response = await PostFormAsync(client, cookies, "/allocations/decide", new() { ["id"] = id, ["decision"] = "approve" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(AllocationStatus.Pending);
    }

    [Fact]
    public async Task Pipeline_ShowsLagDlqPayloadsAndRuns()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        string html = await client.GetStringAsync("/pipeline");

        html.Should().Contain("data-chart=\"throughput\"").And.Contain("data-chart=\"lag\"").And.Contain("data-chart=\"dlq\"");
        html.Should().Contain("equipment.usage [0]");
        html.Should().Contain("000000  c3 01 11 22");
        html.Should().Contain("&lt;b&gt;json from a test producer&lt;/b&gt;").And.NotContain("<b>json");
        html.Should().Contain("id=\"runs\"").And.Contain("web-tests");
        html.Should().NotContain("id=\"settle-form\"", "only admins see the settlement trigger");
    }

    [Fact]
    public async Task Admin_ShowsConfigurationWithoutSecrets()
    {
        using HttpClient client = fixture.Client(WebFixture.AdminName);

        string html = await client.GetStringAsync("/admin");

        html.Should().Contain("id=\"settle-form\"").And.Contain(WebFixture.ApproverName).And.Contain("America/Chicago");
        html.Should().NotContain("pbkdf2").And.NotContain(fixture.Token(WebFixture.AdminName));
    }

    [Fact]
    public async Task Admin_Approver_Returns403()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.GetAsync("/admin");

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Pages_AfterAllRequests_NoServerErrorsLogged()
    {
        using HttpClient client = fixture.Client(WebFixture.AdminName);
        foreach (string path in new[] { "/utilization?day=2026-11-20&range=week", "/approvals?status=", "/pipeline", "/admin", "/allocations/2026-11-20/PRJ-2002/02-100/r1" })
        {
            using HttpResponseMessage response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
        }

        fixture.ServerErrors.Should().BeEmpty();
    }

    private static async Task<string> DetailTokenAsync(HttpClient client, string cookies, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/allocations/" + id);
        request.Headers.Add("Cookie", cookies);
        using HttpResponseMessage page = await client.SendAsync(request);
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        return FormLogin.FormToken(await page.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string cookies, string path, Dictionary<string, string> fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookies);
        return await client.SendAsync(request);
    }
}

using System.Net;
using System.Net.Http.Json;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class AuthTests(WebFixture fixture)
{
    [Theory]
    [InlineData("GET", "/api/allocations")]
    [InlineData("GET", "/api/allocations/2026-11-20/PRJ-1001/03-200/r1")]
    [InlineData("GET", "/api/allocations/export?format=csv")]
    [InlineData("GET", "/api/exceptions")]
    [InlineData("GET", "/api/settlement/runs")]
    [InlineData("GET", "/api/utilization?day=2026-11-20")]
    [InlineData("GET", "/api/pipeline")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("POST", "/api/allocations/2026-11-20/PRJ-1001/03-200/r1/approve")]
    [InlineData("POST", "/api/settlement/run")]
    public async Task Api_Anonymous_Returns401WithBearerChallenge(string method, string path)
    {
        using HttpClient client = fixture.Client();
        using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer");
    }

    [Theory]
    [InlineData("/utilization")]
    [InlineData("/approvals")]
    [InlineData("/pipeline")]
    [InlineData("/admin")]
    public async Task Page_Anonymous_RedirectsToLogin(string path)
    {
        using HttpClient client = fixture.Client();
        using HttpResponseMessage response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("/login").And.Contain("ReturnUrl=");
    }

    [Fact]
    public async Task Api_WrongToken_Returns401()
    {
        using HttpClient client = fixture.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-real-token");

        using HttpResponseMessage response = await client.GetAsync("/api/exceptions");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Approve_Viewer_Returns403AndChangesNothing()
    {
        string id = await fixture.StagePendingAsync("viewer");
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/api/allocations/{id}/approve", new { comment = "looks fine" });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(Domain.AllocationStatus.Pending);
        (await fixture.Ledger.GetAuditAsync(id)).Should().ContainSingle("only the staging row exists");
    }

    [Fact]
    public async Task Reject_Viewer_Returns403()
    {
        string id = await fixture.StagePendingAsync("viewer-reject");
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/api/allocations/{id}/reject", new { comment = "no" });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("/api/allocations")]
    [InlineData("/api/allocations/export?format=json")]
    public async Task AllocationReads_Viewer_Returns403(string path)
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("/api/exceptions")]
    [InlineData("/api/settlement/runs")]
    [InlineData("/api/utilization?day=2026-11-20")]
    [InlineData("/api/pipeline")]
    [InlineData("/metrics")]
    public async Task ViewerEndpoints_Viewer_Returns200(string path)
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);

        using HttpResponseMessage response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RunSettlement_Approver_Returns403()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsync("/api/settlement/run", null);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Approve_Approver_WritesAuditRowWithApproversName()
    {
        string id = await fixture.StagePendingAsync("approve");
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/api/allocations/{id}/approve", new { comment = "checked against the site diary" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var audit = await fixture.Ledger.GetAuditAsync(id);
        audit.Should().HaveCount(2);
        audit[^1].Actor.Should().Be(WebFixture.ApproverName);
        audit[^1].ActorKind.Should().Be(Ledger.ActorKind.Person);
        audit[^1].ToStatus.Should().Be(Domain.AllocationStatus.Approved);
        audit[^1].Comment.Should().Be("checked against the site diary");
    }

    [Fact]
    public async Task SettleForm_Approver_Returns403()
    {
        using HttpClient client = fixture.Client(WebFixture.ApproverName);

        using HttpResponseMessage response = await client.PostAsync("/admin/settle", new FormUrlEncodedContent(new Dictionary<string, string>()));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Login_WrongSecret_Returns401AndNoSession()
    {
        using HttpClient client = fixture.Client();
        (string cookie, string token) = await FormLogin.LoginFormAsync(client);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = WebFixture.ApproverName, ["secret"] = "wrong", ["__RequestVerificationToken"] = token }),
        };
        request.Headers.Add("Cookie", cookie);
        using HttpResponseMessage response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? cookies);
        (cookies ?? []).Should().NotContain(c => c.StartsWith("tp-session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_WithoutAntiforgeryToken_Returns400()
    {
        using HttpClient client = fixture.Client();

        using HttpResponseMessage response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = WebFixture.ApproverName,
            ["secret"] = fixture.Token(WebFixture.ApproverName),
        }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CookieSession_ApiPostWithoutCsrfHeader_Returns400AndChangesNothing()
    {
        string id = await fixture.StagePendingAsync("csrf");
        using HttpClient client = fixture.Client();
        string session = await FormLogin.SignInAsync(client, fixture, WebFixture.ApproverName);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/allocations/{id}/approve");
        request.Headers.Add("Cookie", session);
        using HttpResponseMessage response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("X-CSRF-TOKEN");
        (await fixture.Ledger.GetAsync(id))!.Status.Should().Be(Domain.AllocationStatus.Pending);
    }

    [Fact]
    public async Task CookieSession_ViewerOpensApprovals_Gets403Page()
    {
        using HttpClient client = fixture.Client();
        string session = await FormLogin.SignInAsync(client, fixture, WebFixture.ViewerName);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/approvals");
        request.Headers.Add("Cookie", session);
        using HttpResponseMessage response = await client.SendAsync(request);

        // The cookie scheme sends people to the access-denied page, which answers 403.
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            response.Headers.Location!.ToString().Should().Contain("/forbidden");
        }
        else
        {
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
    }
}

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed partial class HealthAndHeadersTests(WebFixture fixture)
{
    [Fact]
    public async Task Live_Anonymous_Returns200()
    {
        using HttpClient client = fixture.Client();

        using HttpResponseMessage response = await client.GetAsync("/health/live");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"status\":\"live\"");
    }

    [Fact]
    public async Task Ready_AllRequiredUp_Returns200ListingEveryCheck()
    {
        using HttpClient client = fixture.Client();

        using HttpResponseMessage response = await client.GetAsync("/health/ready");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("status").GetString().Should().Be("ready");
        var checks = body.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(static c => c.GetProperty("name").GetString()!, static c => (Ok: c.GetProperty("ok").GetBoolean(), Required: c.GetProperty("required").GetBoolean()));
        checks.Keys.Should().BeEquivalentTo(["kafka", "redis", "postgres", "odoo"]);
        checks["postgres"].Ok.Should().BeTrue();
        checks["odoo"].Should().Be((false, false), "Odoo is reported, not required");
    }

    [Fact]
    public async Task Ready_KafkaDown_Returns503NamingKafka()
    {
        using HttpClient client = fixture.Client();
        fixture.KafkaUp = false;
        try
        {
            using HttpResponseMessage response = await client.GetAsync("/health/ready");

            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            body.RootElement.GetProperty("status").GetString().Should().Be("not_ready");
            body.RootElement.GetProperty("checks").EnumerateArray()
                .Single(static c => c.GetProperty("name").GetString() == "kafka").GetProperty("ok").GetBoolean().Should().BeFalse();
        }
        finally
        {
            fixture.KafkaUp = true;
        }
    }

    [Theory]
    [InlineData("/login", null)]
    [InlineData("/utilization?day=2026-11-20", WebFixture.ViewerName)]
    [InlineData("/api/exceptions", WebFixture.ViewerName)]
    [InlineData("/api/allocations", null)]
    public async Task Responses_CarrySecurityHeaders(string path, string? user)
    {
        using HttpClient client = fixture.Client(user);

        using HttpResponseMessage response = await client.GetAsync(path);

        string csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("default-src 'self'").And.Contain("frame-ancestors 'none'").And.Contain("script-src 'self'");
        csp.Should().NotContain("http").And.NotContain("unsafe-inline").And.NotContain("*");
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
        response.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Theory]
    [InlineData("/utilization?day=2026-11-20&range=week", WebFixture.ViewerName)]
    [InlineData("/approvals", WebFixture.ApproverName)]
    [InlineData("/allocations/2026-11-20/PRJ-1001/03-200/r1", WebFixture.ApproverName)]
    [InlineData("/pipeline", WebFixture.AdminName)]
    [InlineData("/admin", WebFixture.AdminName)]
    [InlineData("/login", null)]
    public async Task Pages_ReferenceNoExternalSourceAndNoInlineScript(string path, string? user)
    {
        using HttpClient client = fixture.Client(user);

        string html = await client.GetStringAsync(path);

        ExternalReference().IsMatch(html).Should().BeFalse("pages work without external network access");
        InlineScript().IsMatch(html).Should().BeFalse("the CSP forbids inline script");
        html.Should().NotContain("style=\"", "the CSP forbids inline styles");
    }

    [Fact]
    public async Task StaticAssets_Anonymous_ServedFromTheAssembly()
    {
        using HttpClient client = fixture.Client();

        using HttpResponseMessage css = await client.GetAsync("/static/app.css");
        using HttpResponseMessage js = await client.GetAsync("/static/app.js");
        using HttpResponseMessage missing = await client.GetAsync("/static/nope.js");

        css.StatusCode.Should().Be(HttpStatusCode.OK);
        css.Content.Headers.ContentType!.MediaType.Should().Be("text/css");
        js.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        (await js.Content.ReadAsStringAsync()).Should().Contain("data-live");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pages_GzipRequested_AreCompressed()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/utilization?day=2026-11-20&range=week");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using HttpResponseMessage response = await client.SendAsync(request);

        response.Content.Headers.ContentEncoding.Should().Equal("gzip");
        using var gzip = new System.IO.Compression.GZipStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        (await reader.ReadToEndAsync()).Should().Contain("data-chart=\"stacked-bars\"");
    }

    [GeneratedRegex("(src|href|action)=\"(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    [GeneratedRegex("<script(?![^>]*\\ssrc=\"/static/)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}

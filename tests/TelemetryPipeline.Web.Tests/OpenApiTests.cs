using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TelemetryPipeline.Web.Api;
using TelemetryPipeline.Web.Tests.Support;

namespace TelemetryPipeline.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class OpenApiTests(WebFixture fixture)
{
    [Fact]
    public async Task Document_ListsEveryMappedApiRouteWithItsMethods()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);
        using HttpResponseMessage response = await client.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement paths = document.RootElement.GetProperty("paths");

        var expected = new List<(string Path, string Method)>();
        foreach (RouteEndpoint endpoint in fixture.Endpoints)
        {
            string pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            IEnumerable<string> methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods;
            string[] documented = endpoint.Metadata.GetMetadata<AllocationApi.DocumentedRoutes>()?.Patterns
                ?? [pattern.Replace("{**", "{", StringComparison.Ordinal)];
            foreach (string path in documented)
            {
                foreach (string method in methods)
                {
                    expected.Add((path, method.ToLowerInvariant()));
                }
            }
        }

        expected.Should().HaveCountGreaterThanOrEqualTo(11, "every allocation, exception, settlement, utilization and pipeline route");
        foreach ((string path, string method) in expected)
        {
            paths.TryGetProperty(path, out JsonElement item).Should().BeTrue($"{path} is mapped");
            item.TryGetProperty(method, out _).Should().BeTrue($"{method.ToUpperInvariant()} {path} is mapped");
        }
    }

    [Fact]
    public async Task Document_DeclaresBearerSecurityAndTheAllocationSchema()
    {
        using HttpClient client = fixture.Client(WebFixture.ViewerName);
        string json = await client.GetStringAsync("/openapi/v1.json");
        using JsonDocument document = JsonDocument.Parse(json);

        document.RootElement.GetProperty("openapi").GetString().Should().StartWith("3.");
        JsonElement components = document.RootElement.GetProperty("components");
        components.GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().Should().Be("bearer");
        components.GetProperty("schemas").TryGetProperty("AllocationDto", out _).Should().BeTrue();
        document.RootElement.GetProperty("paths").GetProperty("/api/allocations/{id}/reject").GetProperty("post")
            .GetProperty("summary").GetString().Should().Contain("comment");
    }
}

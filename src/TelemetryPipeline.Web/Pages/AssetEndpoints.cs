using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace TelemetryPipeline.Web.Pages;

/// <summary>
/// <c>/static/app.css</c> and <c>/static/app.js</c>, embedded in the assembly: no CDN, no npm, no file layout to deploy.
/// Anonymous (the sign-in page needs them; they hold no data).
/// </summary>
internal static class AssetEndpoints
{
    private static readonly Dictionary<string, (byte[] Bytes, string ContentType, string ETag)> s_assets = Load();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/static/{name}", (HttpContext context, string name) =>
            {
                if (!s_assets.TryGetValue(name, out var asset))
                {
                    return Results.NotFound();
                }

                if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
                {
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }

                context.Response.Headers.CacheControl = "private, max-age=300";
                context.Response.Headers.ETag = asset.ETag;
                return Results.Bytes(asset.Bytes, asset.ContentType);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
    }

    private static Dictionary<string, (byte[], string, string)> Load()
    {
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        var assembly = typeof(AssetEndpoints).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("Assets/", StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] bytes = buffer.ToArray();
            string name = resource["Assets/".Length..];
            string type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            string etag = new EntityTagHeaderValue("\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"").ToString();
            assets[name] = (bytes, type, etag);
        }

        return assets;
    }
}

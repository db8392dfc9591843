using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace TelemetryPipeline.Odoo;

/// <summary>One HTTP exchange with Odoo: JSON in, JSON out, bounded by a timeout; never logs bodies or headers.</summary>
internal sealed class OdooHttpTransport
{
    private readonly HttpClient _http;
    private readonly Uri _baseUri;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    public OdooHttpTransport(HttpClient http, OdooOptions options, string apiKey, ILogger logger)
    {
        _http = http;
        var url = options.Url.EndsWith('/') ? options.Url : options.Url + "/";
        _baseUri = new Uri(url, UriKind.Absolute);
        _timeout = options.RequestTimeout;
        ApiKey = apiKey;
        _logger = logger;
    }

    /// <summary>The key, for redaction of anything coming back from the server.</summary>
    public string ApiKey { get; }

    /// <summary>Sends one request; returns the status, the parsed body (null when not JSON) and the raw text.</summary>
    public async Task<OdooHttpResponse> SendAsync(HttpMethod method, string path, JsonNode? body, Action<HttpRequestHeaders>? headers, string operation, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseUri, path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        headers?.Invoke(request.Headers);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var raw = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            _logger.LogDebug("Odoo {Operation}: HTTP {Status} in {ElapsedMs:F0} ms", operation, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            JsonNode? parsed = null;
            if (raw.Length > 0)
            {
                try
                {
                    parsed = JsonNode.Parse(raw);
                }
                catch (JsonException)
                {
                    parsed = null;
                }
            }

            return new OdooHttpResponse(status, parsed, raw.Length > 0 && parsed is null, raw);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _logger.LogDebug("Odoo {Operation}: timed out after {TimeoutMs:F0} ms", operation, _timeout.TotalMilliseconds);
            throw new OdooException(OdooErrorKind.Transport, $"no answer within {_timeout.TotalSeconds:0.###} s", true, operation: operation);
        }
        catch (HttpRequestException ex)
        {
            _logger.LogDebug("Odoo {Operation}: transport error {Error}", operation, ex.HttpRequestError);
            throw new OdooException(OdooErrorKind.Transport, OdooSecrets.Redact($"{ex.HttpRequestError}: {ex.Message}", ApiKey), true, operation: operation);
        }
        catch (IOException ex)
        {
            _logger.LogDebug("Odoo {Operation}: I/O error {Error}", operation, ex.GetType().Name);
            throw new OdooException(OdooErrorKind.Transport, OdooSecrets.Redact(ex.Message, ApiKey), true, operation: operation);
        }
    }
}

/// <summary>An HTTP answer from Odoo.</summary>
internal sealed record OdooHttpResponse(int Status, JsonNode? Body, bool BodyIsNotJson, string Raw);

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TelemetryPipeline.Odoo.Tests.Support;
using TelemetryPipeline.TestKit.Odoo;

namespace TelemetryPipeline.Odoo.Tests;

/// <summary>
/// Replays every recorded request, in recording order, against a fresh emulator seeded like the recorded
/// database, and compares each answer with the recorded one: HTTP status, Content-Type and the JSON body
/// (ids included; only tracebacks are free). This is the proof that the emulator answers like Odoo 19.
/// </summary>
public sealed class FixtureReplayTests : IClassFixture<FixtureReplayTests.Replay>
{
    private readonly Replay _replay;

    public FixtureReplayTests(Replay replay)
    {
        _replay = replay;
    }

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var entry in OdooFixtureFiles.Index())
        {
            data.Add(entry["fixture"]!.GetValue<string>());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Emulator_RecordedExchange_AnswersLikeOdoo(string fixture)
    {
        _replay.Differences.Should().ContainKey(fixture);
        _replay.Differences[fixture].Should().BeEmpty($"the emulator must answer {fixture} as recorded");
    }

    [Fact]
    public async Task Emulator_RecordedBatchOf100_ReturnsHundredIdsInOrder()
    {
        await using var emulator = await OdooEmulator.StartAsync(new OdooEmulatorOptions { Password = "admin" });
        var account = emulator.AddAnalyticAccount("PRJ-1001 Alloc test project", "PRJ-1001", 1);
        account.Should().Be(2, "the recorded batch posts to analytic account 2");
        using var http = new HttpClient();
        using var content = new StringContent(OdooFixtureFiles.Read("timing_batch100_jsonrpc.request.json"), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(emulator.BaseUrl + "/jsonrpc"), content);
        var actual = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var expected = JsonNode.Parse(OdooFixtureFiles.Read("timing_batch100_jsonrpc.response.json"))!;

        var ids = actual["result"]!.AsArray().Select(static n => n!.GetValue<long>()).ToList();
        ids.Should().HaveCount(expected["result"]!.AsArray().Count);
        ids.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        ids[^1].Should().Be(ids[0] + 99, "ids of one create call are consecutive");
    }

    /// <summary>Runs the whole recording once; each theory case reads its own differences.</summary>
    public sealed class Replay : IAsyncLifetime
    {
        public Dictionary<string, List<string>> Differences { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            await using var emulator = await OdooEmulator.StartAsync(new OdooEmulatorOptions
            {
                Database = "alloc",
                Login = "admin",
                Password = "admin",
                GrantAnalyticAccounting = false,
            });
            using var http = new HttpClient();
            string? limitedKey = null;
            foreach (var entry in OdooFixtureFiles.Index())
            {
                var fixture = entry["fixture"]!.GetValue<string>();
                var requestLine = entry["request_line"]!.GetValue<string>().Split(' ', 2);
                var body = OdooFixtureFiles.Read(fixture + ".request.json").Replace("<API_KEY>", emulator.ApiKey, StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(requestLine[0]), new Uri(emulator.BaseUrl + requestLine[1]))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                foreach (var header in entry["request_headers"]!.AsArray())
                {
                    var text = header!.GetValue<string>();
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    var name = text[..colon];
                    var value = text[(colon + 1)..].Trim()
                        .Replace("<LIMITED_API_KEY>", limitedKey ?? "none", StringComparison.Ordinal)
                        .Replace("<API_KEY>", emulator.ApiKey, StringComparison.Ordinal);
                    if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                using var response = await http.SendAsync(request);
                var differences = new List<string>();
                var expectedStatus = entry["http_status"]!.GetValue<int>();
                if ((int)response.StatusCode != expectedStatus)
                {
                    differences.Add(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}, recorded {expectedStatus}"));
                }

                var contentType = response.Content.Headers.ContentType?.ToString();
                if (!string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase))
                {
                    differences.Add($"Content-Type {contentType}, recorded application/json; charset=utf-8");
                }

                var actualText = await response.Content.ReadAsStringAsync();
                JsonNode? actual;
                try
                {
                    actual = JsonNode.Parse(actualText);
                }
                catch (System.Text.Json.JsonException)
                {
                    differences.Add("body is not JSON: " + actualText);
                    Differences[fixture] = differences;
                    continue;
                }

                JsonShape.Compare(JsonNode.Parse(OdooFixtureFiles.Read(fixture + ".response.json")), actual, "$", differences);
                Differences[fixture] = differences;

                if (fixture.StartsWith("32_", StringComparison.Ordinal) && actual?["result"] is JsonValue uid)
                {
                    // API keys cannot be created over RPC (Odoo asks for the password interactively): issue one directly.
                    limitedKey = emulator.IssueApiKey(uid.GetValue<long>());
                }
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}

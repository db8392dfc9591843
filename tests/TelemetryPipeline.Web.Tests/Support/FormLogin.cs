using System.Net;

namespace TelemetryPipeline.Web.Tests.Support;

/// <summary>Signing in through the HTML form with a plain HttpClient (cookies carried by hand).</summary>
public static class FormLogin
{
    /// <summary>Signs in and returns the Cookie header value (anti-forgery cookie + session cookie).</summary>
    public static async Task<string> SignInAsync(HttpClient client, WebFixture fixture, string user)
    {
        (string cookie, string token) = await LoginFormAsync(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["name"] = user,
                ["secret"] = fixture.Token(user),
                ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add("Cookie", cookie);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        string session = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tp-session=", StringComparison.Ordinal)).Split(';')[0];
        return cookie + "; " + session;
    }

    /// <summary>Loads the sign-in form: its anti-forgery cookie and the form token.</summary>
    public static async Task<(string Cookie, string Token)> LoginFormAsync(HttpClient client)
    {
        using HttpResponseMessage page = await client.GetAsync("/login");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        string html = await page.Content.ReadAsStringAsync();
        string cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tp-csrf=", StringComparison.Ordinal)).Split(';')[0];
        return (cookie, FormToken(html));
    }

    /// <summary>The anti-forgery token of the first form in <paramref name="html"/>.</summary>
    public static string FormToken(string html)
    {
        const string Marker = "name=\"__RequestVerificationToken\" value=\"";
        int start = html.IndexOf(Marker, StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, "the page has a form with an anti-forgery token");
        start += Marker.Length;
        return WebUtility.HtmlDecode(html[start..html.IndexOf('"', start)]);
    }
}

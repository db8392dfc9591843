using Microsoft.Playwright;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Web.Tests.Support;
using Xunit.Abstractions;

namespace TelemetryPipeline.Web.Tests;

/// <summary>Debian's headless Chromium driven by Playwright; launched once for the class.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A fact that needs Chromium; skipped, saying so, where it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(BrowserFixture.ChromiumPath))
        {
            Skip = $"{BrowserFixture.ChromiumPath} is not installed (apt-get install chromium); the end-to-end browser tests need it.";
        }
    }
}

/// <summary>End to end in a real browser: every page loads (charts, live refresh, no CSP violation), approve and reject are clicked, screenshots saved.</summary>
[Collection(WebCollection.Name)]
public sealed class BrowserTests(WebFixture fixture, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    // Generous: the machine is shared with other builds; the waits end as soon as the page is ready.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [ChromiumFact]
    public async Task LoginPage_LoadsAnonymously()
    {
        (IPage page, List<string> errors) = await NewPageAsync();

        await page.GotoAsync(fixture.BaseAddress + "/utilization");

        page.Url.Should().Contain("/login");
        (await page.Locator("#sign-in").IsVisibleAsync()).Should().BeTrue();
        await ScreenshotAsync(page, "login");
        errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task UtilizationPage_DrawsChartsSortsAndRefreshesLive()
    {
        (IPage page, List<string> errors) = await SignInAsync(WebFixture.ViewerName);

        await page.GotoAsync(fixture.BaseAddress + "/utilization?day=2026-11-20&range=week");

        (await page.Locator("svg[data-chart=stacked-bars] rect.s-working:not(.legend-key)").CountAsync()).Should().Be(7);
        (await page.Locator("#machines svg[data-chart=timeline]").CountAsync()).Should().Be(7);
        (await page.Locator("#issues tr.issue-unknown_identifier").CountAsync()).Should().Be(2);
        await page.Locator("#machines th", new() { HasText = "Operating h" }).ClickAsync();
        (await page.Locator("#machines th[aria-sort]").TextContentAsync()).Should().Contain("Operating h");
        string first = (await page.Locator("#machines tbody tr").First.Locator("td").First.TextContentAsync())!;
        first.Should().Be("EX-0042", "descending by operating hours, EX-0042 ran longest this week");
        await page.Locator("#live[data-refreshed]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator(".live-status").TextContentAsync()).Should().Contain("refreshes every 2 s");
        (await page.Locator("#machines th[aria-sort]").CountAsync()).Should().Be(1, "the sort survives the refresh");
        await ScreenshotAsync(page, "utilization");
        errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task ApprovalsPage_ApproveAndRejectWithComment()
    {
        string toApprove = await fixture.StagePendingAsync("browser-approve");
        string toReject = await fixture.StagePendingAsync("browser-reject");
        (IPage page, List<string> errors) = await SignInAsync(WebFixture.ApproverName);

        await page.GotoAsync(fixture.BaseAddress + "/approvals?status=pending");
        (await page.Locator("#allocations tbody tr").CountAsync()).Should().BeGreaterThan(2);
        await ScreenshotAsync(page, "approvals");

        await page.Locator($"a[href='/allocations/{toApprove}']").ClickAsync();
        await page.Locator("#approve-form input[name=comment]").FillAsync("matches the site diary");
        await page.Locator("#approve").ClickAsync();
        await page.WaitForURLAsync("**done=approved", new() { Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator("#status").TextContentAsync()).Should().Be("approved");
        (await page.Locator("#audit td.actor").Last.TextContentAsync()).Should().Be(WebFixture.ApproverName);
        await ScreenshotAsync(page, "allocation-approved");

        await page.GotoAsync(fixture.BaseAddress + "/allocations/" + toReject);
        await page.Locator("#reject").ClickAsync();
        (await page.Locator("#reject-comment").EvaluateAsync<bool>("e => e.validity.valueMissing")).Should().BeTrue("the browser refuses a rejection without a comment");
        (await fixture.Ledger.GetAsync(toReject))!.Status.Should().Be(AllocationStatus.Pending);
        await page.Locator("#reject-comment").FillAsync("the machine was on another site that day");
        await page.Locator("#reject").ClickAsync();
        await page.WaitForURLAsync("**done=rejected", new() { Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator("#status").TextContentAsync()).Should().Be("rejected");
        await ScreenshotAsync(page, "allocation-rejected");

        var audit = await fixture.Ledger.GetAuditAsync(toReject);
        audit[^1].Actor.Should().Be(WebFixture.ApproverName);
        audit[^1].Comment.Should().Be("the machine was on another site that day");
        (await fixture.Ledger.GetAsync(toApprove))!.Status.Should().Be(AllocationStatus.Approved);
        errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task AllocationPage_ExplainsTheAmount()
    {
        (IPage page, List<string> errors) = await SignInAsync(WebFixture.ApproverName);

        await page.GotoAsync(fixture.BaseAddress + "/allocations/2026-11-20/PRJ-1001/03-200/r1");

        (await page.Locator("details.explain summary").First.TextContentAsync()).Should().Contain("reproduced");
        (await page.Locator("details.explain svg[data-chart=timeline] rect.t-work").CountAsync()).Should().Be(32);
        await ScreenshotAsync(page, "allocation-explain");
        errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task PipelinePage_DrawsThroughputLagAndDlq()
    {
        (IPage page, List<string> errors) = await SignInAsync(WebFixture.AdminName);

        await page.GotoAsync(fixture.BaseAddress + "/pipeline");

        await page.Locator("svg[data-chart=throughput] polyline").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator("svg[data-chart=lag] rect.s-lag").CountAsync()).Should().Be(4);
        (await page.Locator("#dead-letters tbody tr").CountAsync()).Should().Be(3);
        await page.Locator("#dead-letters details summary").First.ClickAsync();
        await page.Locator("#live[data-refreshed]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator("#dead-letters details[open]").CountAsync()).Should().Be(1, "an opened payload stays open across refreshes");
        await ScreenshotAsync(page, "pipeline");
        errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task AdminPage_RunsSettlement()
    {
        (IPage page, List<string> errors) = await SignInAsync(WebFixture.AdminName);

        await page.GotoAsync(fixture.BaseAddress + "/admin");
        await page.Locator("input[name=now]").FillAsync("2026-11-22T00:00");
        await page.Locator("#settle").ClickAsync();

        await page.Locator("#settle-summary").WaitForAsync(new() { Timeout = (float)s_timeout.TotalMilliseconds });
        (await page.Locator("#settle-summary").TextContentAsync()).Should().Contain("allocationsStaged0");
        (await page.Locator("#settle-report").TextContentAsync()).Should().Contain("\"allocationsStaged\": 0");
        await ScreenshotAsync(page, "admin");
        errors.Should().BeEmpty();
    }

    private async Task<(IPage Page, List<string> Errors)> NewPageAsync()
    {
        IBrowserContext context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)s_timeout.TotalMilliseconds);
        var errors = new List<string>();
        // CSP violations and script errors surface as console errors.
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return (page, errors);
    }

    private async Task<(IPage Page, List<string> Errors)> SignInAsync(string user)
    {
        (IPage page, List<string> errors) = await NewPageAsync();
        await page.GotoAsync(fixture.BaseAddress + "/login");
        await page.Locator("#name").FillAsync(user);
        await page.Locator("#secret").FillAsync(fixture.Token(user));
        await page.Locator("#sign-in").ClickAsync();
        await page.WaitForURLAsync("**/utilization");
        return (page, errors);
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(fixture.ScreenshotDirectory);
        string path = Path.Combine(fixture.ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        new FileInfo(path).Length.Should().BeGreaterThan(10_000, "a rendered page, not a blank image");
        output.WriteLine("screenshot: " + path);
        await File.AppendAllTextAsync(Path.Combine(fixture.ScreenshotDirectory, "index.txt"), path + Environment.NewLine);
    }
}

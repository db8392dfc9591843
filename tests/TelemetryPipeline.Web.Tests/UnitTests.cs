using TelemetryPipeline.Web.Pages;
using TelemetryPipeline.Web.Pipeline;
using TelemetryPipeline.Web.Views;

namespace TelemetryPipeline.Web.Tests;

public sealed class WebUsersTests
{
    [Fact]
    public void HashToken_ThenVerify_AcceptsOnlyTheSameToken()
    {
        string hash = WebUsers.HashToken("s3cret-token", WebUsers.MinIterations);

        WebUsers.Verify("s3cret-token", hash).Should().BeTrue();
        WebUsers.Verify("s3cret-tokem", hash).Should().BeFalse();
        WebUsers.Verify(string.Empty, hash).Should().BeFalse();
        hash.Should().StartWith("pbkdf2-sha256$10000$").And.NotContain("s3cret");
    }

    [Fact]
    public void HashToken_SameTokenTwice_DifferentSalts()
    {
        WebUsers.HashToken("t", WebUsers.MinIterations).Should().NotBe(WebUsers.HashToken("t", WebUsers.MinIterations));
    }

    [Fact]
    public void HashToken_Default_UsesTheOwaspWorkFactor()
    {
        WebUsers.HashToken("t").Should().StartWith("pbkdf2-sha256$600000$");
    }

    [Fact]
    public void TryAuthenticateToken_FindsTheUserWhoseHashMatches()
    {
        var users = new WebUsers(
        [
            new WebUser("vera", WebRole.Viewer, WebUsers.HashToken("vera-token", WebUsers.MinIterations)),
            new WebUser("adam", WebRole.Admin, WebUsers.HashToken("adam-token", WebUsers.MinIterations)),
        ]);

        users.TryAuthenticateToken("adam-token", out WebUser? adam).Should().BeTrue();
        users.TryAuthenticateToken("adam-token", out WebUser? cached).Should().BeTrue();
        users.TryAuthenticateToken("nobody", out _).Should().BeFalse();
        users.TryAuthenticate("vera", "adam-token", out _).Should().BeFalse("a name signs in with its own secret only");

        adam!.Name.Should().Be("adam");
        cached.Should().BeSameAs(adam);
    }

    [Theory]
    [InlineData("{\"users\":[]}", "lists no users")]
    [InlineData("[{\"name\":\"a\",\"role\":\"boss\",\"hash\":\"x\"}]", "role 'boss' is not one of viewer, approver, admin")]
    [InlineData("[{\"name\":\"a\",\"role\":\"viewer\"}]", "'hash' is required")]
    [InlineData("[{\"name\":\"a\",\"role\":\"viewer\",\"hash\":\"md5$abc\"}]", "hash is not 'pbkdf2-sha256$iterations$salt$hash'")]
    [InlineData("[{\"name\":\"a\",\"role\":\"viewer\",\"hash\":\"pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]", "too weak")]
    [InlineData("not json", "not valid JSON")]
    public void Parse_BadFile_NamesTheKeyAndTheProblem(string json, string expected)
    {
        Action parse = () => WebUsers.Parse(json, "users.json");

        parse.Should().Throw<WebConfigurationException>()
            .Where(e => e.Key == "Web:UsersFile")
            .Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void WriteFile_ThenLoad_AuthenticatesEveryUserAndKeepsTheFilePrivate()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tp-users-{Guid.NewGuid():N}.json");
        try
        {
            string token = WebUsers.GenerateToken();
            WebUsers.WriteFile(path, [("vera", WebRole.Viewer, "v-" + token), ("adam", WebRole.Admin, token)], WebUsers.MinIterations);

            WebUsers users = WebUsers.Load(path);

            users.TryAuthenticate("adam", token, out WebUser? adam).Should().BeTrue();
            adam!.Role.Should().Be(WebRole.Admin);
            users.TryAuthenticateToken("v-" + token, out WebUser? vera).Should().BeTrue();
            vera!.Name.Should().Be("vera");
            File.ReadAllText(path).Should().NotContain(token);
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_DuplicateName_IsRefusedWhenBuilt()
    {
        string hash = WebUsers.HashToken("t", WebUsers.MinIterations);
        string json = $"[{{\"name\":\"a\",\"role\":\"viewer\",\"hash\":\"{hash}\"}},{{\"name\":\"a\",\"role\":\"admin\",\"hash\":\"{hash}\"}}]";

        Action build = () => _ = new WebUsers(WebUsers.Parse(json));

        build.Should().Throw<WebConfigurationException>().WithMessage("*'a' appears twice*");
    }
}

public sealed class WebOptionsTests
{
    [Fact]
    public void Defaults_BindToLoopbackPort8080()
    {
        var options = new WebOptions();

        options.Urls.Should().Be("http://127.0.0.1:8080");
        options.IsLoopbackOnly().Should().BeTrue();
        new WebOptions { Urls = "http://0.0.0.0:8080" }.IsLoopbackOnly().Should().BeFalse();
    }

    [Fact]
    public void Validate_NoUsersFile_NamesTheKey()
    {
        Action validate = () => new WebOptions().Validate();

        validate.Should().Throw<WebConfigurationException>().Where(e => e.Key == "Web:UsersFile");
    }

    [Theory]
    [InlineData("RefreshSeconds", "Web:RefreshSeconds", "allowed 1..3600")]
    [InlineData("MaxRequestBodyBytes", "Web:MaxRequestBodyBytes", "allowed 1024..")]
    [InlineData("Urls", "Web:Urls", "is not an http(s)://host:port URL")]
    public void Validate_OutOfRange_NamesKeyAndRange(string property, string key, string message)
    {
        string file = Path.GetTempFileName();
        try
        {
            var options = property switch
            {
                "RefreshSeconds" => new WebOptions { UsersFile = file, RefreshSeconds = 0 },
                "MaxRequestBodyBytes" => new WebOptions { UsersFile = file, MaxRequestBodyBytes = 10 },
                _ => new WebOptions { UsersFile = file, Urls = "ftp://127.0.0.1:21" },
            };

            Action validate = options.Validate;

            validate.Should().Throw<WebConfigurationException>().Where(e => e.Key == key).WithMessage($"*{message}*");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class HtmlBuilderTests
{
    [Fact]
    public void Append_Holes_AreEncodedLiteralsAreNot()
    {
        var html = new HtmlBuilder();
        string hostile = "\"><script>alert('x')</script>&";

        html.Append($"<td title=\"{hostile}\">{hostile}</td>");

        html.ToString().Should().Be("<td title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</td>");
    }

    [Fact]
    public void Append_HtmlContentAndNumbers_RawAndInvariant()
    {
        var html = new HtmlBuilder();
        var inner = new HtmlBuilder().Append($"<b>{"x<y"}</b>").ToContent();

        html.Append($"{inner} {1234.5m:0.00} {0.25}");

        html.ToString().Should().Be("<b>x&lt;y</b> 1234.50 0.25");
    }

    [Fact]
    public void IsLocal_OnlySameSitePaths()
    {
        AccountPages.IsLocal("/approvals?x=1").Should().BeTrue();
        AccountPages.IsLocal("//evil.example").Should().BeFalse();
        AccountPages.IsLocal("/\\evil.example").Should().BeFalse();
        AccountPages.IsLocal("https://evil.example").Should().BeFalse();
        AccountPages.IsLocal(null).Should().BeFalse();
    }
}

public sealed class SvgChartsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(7.3, 8)]
    [InlineData(12, 15)]
    [InlineData(95, 100)]
    [InlineData(1234, 1500)]
    public void NiceScale_TopCoversMaxWithRoundSteps(double max, double top)
    {
        SvgCharts.NiceScale(max).Top.Should().Be(top);
    }

    [Fact]
    public void Bars_Stacked_OneRectPerSeriesAndLabelWithExactTitles()
    {
        string svg = SvgCharts.Bars("Hours", ["Mon", "Tue"], [new ChartSeries("working", "s-working", [8, 6]), new ChartSeries("idle", "s-idle", [1.5, 0])], "h", stacked: true, "stacked-bars").Value;

        System.Text.RegularExpressions.Regex.Matches(svg, "<rect class=\"s-(working|idle)\" x").Count.Should().Be(4);
        svg.Should().Contain("<title>Mon · idle: 1.5 h</title>").And.Contain("data-chart=\"stacked-bars\"");
    }

    [Fact]
    public void Timeline_OnlyNonEmptyCellsAreDrawn()
    {
        var op = new long[96];
        var idle = new long[96];
        op[28] = 900_000;
        op[29] = 900_000;
        idle[29] = 600_000;

        string svg = SvgCharts.Timeline("EX-0042", op, idle, 0, TimeZoneInfo.Utc).Value;

        svg.Should().Contain("class=\"t-work l4\"").And.Contain("class=\"t-idle l4\"");
        svg.Should().Contain("<title>01-01 07:00 · operating 15 min, idle 0 min</title>");
        System.Text.RegularExpressions.Regex.Matches(svg, "class=\"t-(work|idle) ").Count.Should().Be(2);
    }
}

public sealed class TimelineGroupingTests
{
    [Fact]
    public void Timeline_Week_IsDrawnPerHour()
    {
        var op = new long[7 * 96];
        var idle = new long[7 * 96];
        Array.Fill(op, 900_000);

        string svg = SvgCharts.Timeline("EX-0042", op, idle, 0, TimeZoneInfo.Utc).Value;

        System.Text.RegularExpressions.Regex.Matches(svg, "class=\"t-work l4\"").Count.Should().Be(7 * 24);
        svg.Should().Contain("<title>Hourly timeline of EX-0042</title>").And.Contain("operating 60 min, idle 0 min");
    }
}

public sealed class DeadLetterTests
{
    [Fact]
    public void HexDump_ShowsOffsetHexAndPrintable()
    {
        byte[] bytes = [0xC3, 0x01, (byte)'A', (byte)'B', 0x00];

        DeadLetterDto.HexDump(bytes, 1024).Should().Be("000000  c3 01 41 42 00                                    ..AB.\n");
    }

    [Fact]
    public void From_JsonPayload_IsPrettyPrintedAndBinaryIsNot()
    {
        var json = DeadLetterDto.From(new DeadLetterView("r", "d", "t", 0, 1, DateTimeOffset.UnixEpoch, null, "{\"a\":1}"u8.ToArray()));
        var binary = DeadLetterDto.From(new DeadLetterView("r", "d", "t", 0, 1, DateTimeOffset.UnixEpoch, [0x01, 0xFF], [0xC3, 0x01]));

        json.PayloadJson.Should().Contain("\"a\": 1");
        binary.PayloadJson.Should().BeNull();
        binary.Key.Should().Be("0x01FF");
    }

    [Fact]
    public void RecentDeadLetters_KeepsTheNewestFirstAndDropsTheOldest()
    {
        var ring = new RecentDeadLetters(2);
        for (int i = 0; i < 3; i++)
        {
            ring.Add(new DeadLetterView("r" + i, "d", "t", 0, i, DateTimeOffset.UnixEpoch, null, []));
        }

        ring.Latest(10).Select(static d => d.Offset).Should().Equal(2, 1);
    }
}

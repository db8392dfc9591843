namespace TelemetryPipeline.Odoo.Tests;

public sealed class OdooOptionsTests
{
    private static readonly OdooOptions s_valid = new()
    {
        Url = "https://erp.example.com",
        Database = "alloc",
        ApiKey = "0123456789abcdef0123456789abcdef01234567",
        CostCodePlanId = 2,
    };

    [Fact]
    public void Validate_MinimalJson2Settings_Passes()
    {
        var act = () => s_valid.Validate();

        act.Should().NotThrow();
        s_valid.EffectiveCostCodeColumn.Should().Be("x_plan2_id");
    }

    [Theory]
    [InlineData("BatchSize", "Odoo:BatchSize must be between 1 and 100 (got 250)")]
    [InlineData("Protocol", "Odoo:Protocol must be one of json2, jsonrpc (got 'xmlrpc')")]
    [InlineData("PostingMode", "Odoo:PostingMode must be one of analytic_lines, draft_move (got 'both')")]
    [InlineData("Url", "Odoo:Url must be an absolute http(s) URL")]
    [InlineData("Login", "Odoo:Login is required (JSON-RPC authenticates with login + API key)")]
    [InlineData("JournalId", "Odoo:ExpenseAccountId must be a positive Odoo record id in draft_move mode (got 0)")]
    [InlineData("CostCodePlanId", "Odoo:CostCodePlanId must differ from Odoo:ProjectPlanId (1)")]
    public void Validate_BadSetting_NamesTheKeyAndTheRule(string key, string message)
    {
        var options = key switch
        {
            "BatchSize" => s_valid with { BatchSize = 250 },
            "Protocol" => s_valid with { Protocol = "xmlrpc" },
            "PostingMode" => s_valid with { PostingMode = "both" },
            "Url" => s_valid with { Url = "erp.example.com" },
            "Login" => s_valid with { Protocol = OdooOptions.JsonRpc },
            "JournalId" => s_valid with { PostingMode = OdooOptions.DraftMove },
            _ => s_valid with { CostCodePlanId = 1 },
        };

        var act = options.Validate;

        act.Should().Throw<OdooConfigurationException>().Which.Message.Should().StartWith(message);
    }

    [Fact]
    public void Validate_NoKeyAnywhere_NamesTheEnvironmentVariable()
    {
        var options = s_valid with { ApiKey = null };
        if (Environment.GetEnvironmentVariable(OdooOptions.ApiKeyEnvironmentVariable) is { Length: > 0 })
        {
            return;
        }

        var act = options.Validate;

        act.Should().Throw<OdooConfigurationException>().Which.Message.Should().Contain("TP__Odoo__ApiKey").And.Contain("Odoo:ApiKeyFile");
    }

    [Fact]
    public void ResolveApiKey_FromFile_ReadsTheFirstLineTrimmed()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "  file-key-123456  \nsecond line\n");
            var options = s_valid with { ApiKey = null, ApiKeyFile = path };

            options.Validate();

            options.ResolveApiKey().Should().Be("file-key-123456");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_MissingKeyFile_NamesTheKey()
    {
        var options = s_valid with { ApiKey = null, ApiKeyFile = "/nonexistent/odoo.key" };

        var act = options.Validate;

        act.Should().Throw<OdooConfigurationException>().Which.Key.Should().Be("Odoo:ApiKeyFile");
    }

    [Fact]
    public void ToString_WithApiKey_NeverPrintsIt()
    {
        var text = s_valid.ToString();

        text.Should().Contain("ApiKey = ***").And.NotContain(s_valid.ApiKey!);
        text.Should().Contain("Url = https://erp.example.com");
    }
}

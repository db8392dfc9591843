namespace TelemetryPipeline.Ledger.Tests;

public sealed class LedgerOptionsTests
{
    private const string NotARealPassword = "not-a-real-password";

    [Fact]
    public void Validate_MissingConnectionString_NamesTheKey()
    {
        Action act = () => new LedgerOptions().Validate();

        act.Should().Throw<LedgerConfigurationException>()
            .Where(e => e.Key == "Ledger:ConnectionString")
            .WithMessage("*Ledger:ConnectionString is required*TP__Ledger__ConnectionString*");
    }

    [Fact]
    public void Validate_UnparseableConnectionString_DoesNotEchoIt()
    {
        Action act = () => new LedgerOptions { ConnectionString = $"Host=db;Bogus Key={NotARealPassword}" }.Validate();

        act.Should().Throw<LedgerConfigurationException>()
            .Where(e => e.Key == "Ledger:ConnectionString" && !e.Message.Contains(NotARealPassword));
    }

    [Theory]
    [InlineData(0, 8, "Ledger:CommandTimeoutSeconds")]
    [InlineData(601, 8, "Ledger:CommandTimeoutSeconds")]
    [InlineData(30, 0, "Ledger:RetryAttempts")]
    [InlineData(30, 21, "Ledger:RetryAttempts")]
    public void Validate_OutOfRange_NamesTheKeyAndRange(int timeout, int retries, string key)
    {
        var options = new LedgerOptions { ConnectionString = "Host=db", CommandTimeoutSeconds = timeout, RetryAttempts = retries };

        Action act = () => options.Validate();

        act.Should().Throw<LedgerConfigurationException>().Where(e => e.Key == key && e.Message.Contains("between"));
    }

    [Fact]
    public void Validate_NegativeAutoApprovalThreshold_NamesTheKey()
    {
        var options = new LedgerOptions { ConnectionString = "Host=db", AutoApproval = new AutoApprovalPolicy { Enabled = true, MaxAbsoluteAmount = -1m } };

        Action act = () => options.Validate();

        act.Should().Throw<LedgerConfigurationException>().Where(e => e.Key == "Ledger:AutoApproval:MaxAbsoluteAmount");
    }

    [Fact]
    public void Validate_Defaults_AreValidAndAutoApprovalIsOff()
    {
        var options = new LedgerOptions { ConnectionString = "Host=127.0.0.1;Database=ledger;Username=tp" };

        options.Validate();

        options.AutoApproval.Enabled.Should().BeFalse();
    }

    [Fact]
    public void ToString_WithPassword_RedactsIt()
    {
        var options = new LedgerOptions { ConnectionString = $"Host=db;Username=tp;Password={NotARealPassword}" };

        options.ToString().Should().NotContain(NotARealPassword).And.Contain("Password=***");
        options.RedactedConnectionString.Should().NotContain(NotARealPassword);
    }
}

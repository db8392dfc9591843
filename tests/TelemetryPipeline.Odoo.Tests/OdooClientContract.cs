using System.Text.Json.Nodes;
using TelemetryPipeline.Odoo.Tests.Support;

namespace TelemetryPipeline.Odoo.Tests;

/// <summary>What a contract test runs against: a client, its options and the ids it may use.</summary>
public sealed class ContractTarget : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;
    private readonly List<long> _lines = [];
    private readonly List<long> _moves = [];

    public ContractTarget(IOdooClient client, OdooOptions options, Func<string, IOdooClient> withKey, long projectAccountId, long journalId, long expenseAccountId, long counterpartAccountId, Func<ValueTask> dispose)
    {
        Client = client;
        Options = options;
        WithKey = withKey;
        ProjectAccountId = projectAccountId;
        JournalId = journalId;
        ExpenseAccountId = expenseAccountId;
        CounterpartAccountId = counterpartAccountId;
        _dispose = dispose;
    }

    public IOdooClient Client { get; }

    public OdooOptions Options { get; }

    public Func<string, IOdooClient> WithKey { get; }

    public long ProjectAccountId { get; }

    public long JournalId { get; }

    public long ExpenseAccountId { get; }

    public long CounterpartAccountId { get; }

    /// <summary>A ref no other run uses.</summary>
    public string UniqueRef(string suffix) => $"TPTEST-{Guid.NewGuid():N}-{suffix}";

    public void CreatedLines(IEnumerable<long> ids) => _lines.AddRange(ids);

    public void CreatedMove(long id) => _moves.Add(id);

    public async ValueTask DisposeAsync()
    {
        // Leave a real database as it was: remove what the test created (drafts and manual lines can be deleted).
        try
        {
            if (_lines.Count > 0)
            {
                await Client.CallAsync("account.analytic.line", "unlink", _lines, null);
            }

            if (_moves.Count > 0)
            {
                await Client.CallAsync("account.move", "unlink", _moves, null);
            }
        }
        catch (OdooException)
        {
            // Cleanup is best effort.
        }

        await _dispose();
    }
}

/// <summary>
/// The <see cref="IOdooClient"/> contract: the same tests run for both protocols against the emulator and, when
/// TP_ODOO_URL / TP_ODOO_DB / TP_ODOO_KEY are set, against a real Odoo (skipped with that reason otherwise).
/// </summary>
public abstract class OdooClientContract
{
    protected abstract Task<ContractTarget> StartAsync();

    [OdooFact]
    public async Task VersionAsync_Server_ReportsSupportedVersion()
    {
        await using var target = await StartAsync();

        var version = await target.Client.VersionAsync();

        version.Major.Should().BeGreaterThanOrEqualTo(target.Options.UsesJson2 ? 19 : 17);
    }

    [OdooFact]
    public async Task AuthenticateAsync_ValidKey_ReturnsUserId()
    {
        await using var target = await StartAsync();

        var uid = await target.Client.AuthenticateAsync();

        uid.Should().BePositive();
    }

    [OdooFact]
    public async Task AuthenticateAsync_WrongKey_ThrowsAuthenticationWithoutTheKey()
    {
        await using var target = await StartAsync();
        var wrongKey = new string('0', 40);
        var client = target.WithKey(wrongKey);

        var act = () => client.AuthenticateAsync();

        var error = (await act.Should().ThrowAsync<OdooException>()).Which;
        error.Kind.Should().Be(OdooErrorKind.Authentication);
        error.IsRetriable.Should().BeFalse();
        error.ToString().Should().NotContain(wrongKey);
    }

    [OdooFact]
    public async Task CreateAsync_ListOfLines_ReturnsIdsInInputOrder()
    {
        await using var target = await StartAsync();
        var refs = new[] { target.UniqueRef("a"), target.UniqueRef("b"), target.UniqueRef("c") };

        var ids = await target.Client.CreateAsync("account.analytic.line", [.. refs.Select((r, i) => Line(target, r, -10.5m - i))]);
        target.CreatedLines(ids);

        ids.Should().HaveCount(3).And.OnlyHaveUniqueItems();
        var read = await target.Client.ReadAsync("account.analytic.line", ids, ["ref", "amount"]);
        read.Select(r => r["ref"]!.GetValue<string>()).Should().Equal(refs);
        read.Select(r => r["amount"]!.GetValue<decimal>()).Should().Equal(-10.5m, -11.5m, -12.5m);
    }

    [OdooFact]
    public async Task SearchReadAsync_ByRef_ReturnsMany2OneAsIdAndName()
    {
        await using var target = await StartAsync();
        var reference = target.UniqueRef("sr");
        target.CreatedLines(await target.Client.CreateAsync("account.analytic.line", [Line(target, reference, -42m)]));

        var found = await target.Client.SearchReadAsync("account.analytic.line", OdooDomain.Of(OdooDomain.Leaf("ref", "=", reference)), ["account_id", "amount", "unit_amount", "currency_id"]);

        found.Should().ContainSingle();
        var account = found[0]["account_id"]!.AsArray();
        account[0]!.GetValue<long>().Should().Be(target.ProjectAccountId);
        account[1]!.GetValue<string>().Should().NotBeNullOrEmpty();
        found[0]["amount"]!.GetValue<decimal>().Should().Be(-42m);
        found[0]["unit_amount"]!.GetValue<decimal>().Should().Be(2.5m);
        found[0]["currency_id"].Should().BeOfType<JsonArray>();
    }

    [OdooFact]
    public async Task SearchCountAsync_ByRef_CountsRecords()
    {
        await using var target = await StartAsync();
        var reference = target.UniqueRef("count");
        target.CreatedLines(await target.Client.CreateAsync("account.analytic.line", [Line(target, reference, -1m), Line(target, reference, -2m)]));

        var count = await target.Client.SearchCountAsync("account.analytic.line", OdooDomain.Of(OdooDomain.Leaf("ref", "=", reference)));

        count.Should().Be(2, "ref is searchable but not unique");
    }

    [OdooFact]
    public async Task WriteAsync_Amount_UpdatesTheRecord()
    {
        await using var target = await StartAsync();
        var ids = await target.Client.CreateAsync("account.analytic.line", [Line(target, target.UniqueRef("w"), -5m)]);
        target.CreatedLines(ids);

        await target.Client.WriteAsync("account.analytic.line", ids, new JsonObject { ["amount"] = -7.25m });

        var read = await target.Client.ReadAsync("account.analytic.line", ids, ["amount"]);
        read[0]["amount"]!.GetValue<decimal>().Should().Be(-7.25m);
    }

    [OdooFact]
    public async Task CreateAsync_WithoutName_ThrowsValidationWithOdoosMessage()
    {
        await using var target = await StartAsync();
        var values = Line(target, target.UniqueRef("noname"), -1m);
        values.Remove("name");

        var act = () => target.Client.CreateAsync("account.analytic.line", [values]);

        var error = (await act.Should().ThrowAsync<OdooException>()).Which;
        error.Kind.Should().Be(OdooErrorKind.Validation);
        error.IsRetriable.Should().BeFalse();
        error.OdooName.Should().Be("odoo.exceptions.ValidationError");
        error.OdooMessage.Should().Contain("Missing required value for the field 'Description' (name)");
    }

    [OdooFact]
    public async Task CreateAsync_AccountIdFalse_ThrowsValidation()
    {
        await using var target = await StartAsync();
        var values = Line(target, target.UniqueRef("false"), -1m);
        values["account_id"] = false;

        var act = () => target.Client.CreateAsync("account.analytic.line", [values]);

        (await act.Should().ThrowAsync<OdooException>()).Which.OdooMessage.Should().Be("At least one analytic account must be set");
    }

    [OdooFact]
    public async Task CreateAsync_UnknownField_ThrowsValidation()
    {
        await using var target = await StartAsync();
        var values = Line(target, target.UniqueRef("unknown"), -1m);
        values["no_such_field"] = 1;

        var act = () => target.Client.CreateAsync("account.analytic.line", [values]);

        var error = (await act.Should().ThrowAsync<OdooException>()).Which;
        error.OdooMessage.Should().Contain("no_such_field");
        error.IsRetriable.Should().BeFalse();
    }

    [OdooFact]
    public async Task SearchReadAsync_UnknownModel_ThrowsMissingRecord()
    {
        await using var target = await StartAsync();

        var act = () => target.Client.SearchReadAsync("no.such.model", OdooDomain.All(), ["id"]);

        (await act.Should().ThrowAsync<OdooException>()).Which.Kind.Should().Be(OdooErrorKind.MissingRecord);
    }

    [OdooFact]
    public async Task CreateAsync_BalancedMove_StaysDraftWithoutNumber()
    {
        await using var target = await StartAsync();

        var ids = await target.Client.CreateAsync("account.move", [Move(target, target.UniqueRef("move"), 100m, 100m)]);
        target.CreatedMove(ids[0]);

        var move = (await target.Client.ReadAsync("account.move", ids, ["state", "name", "amount_total", "move_type"]))[0];
        move["state"]!.GetValue<string>().Should().Be("draft");
        move["move_type"]!.GetValue<string>().Should().Be("entry");
        move["amount_total"]!.GetValue<decimal>().Should().Be(100m);
        var name = move["name"];
        (name is null || name.GetValueKind() == System.Text.Json.JsonValueKind.False || name.GetValue<string>() == "/").Should().BeTrue("a draft has no sequence number until posted");
    }

    [OdooFact]
    public async Task CreateAsync_UnbalancedMove_ThrowsValidation()
    {
        await using var target = await StartAsync();

        var act = () => target.Client.CreateAsync("account.move", [Move(target, target.UniqueRef("unbalanced"), 100m, 90m)]);

        var error = (await act.Should().ThrowAsync<OdooException>()).Which;
        error.Kind.Should().Be(OdooErrorKind.Validation);
        error.OdooMessage.Should().Contain("not balanced");
    }

    [OdooFact]
    public async Task Errors_OfAnyKind_NeverCarryTheApiKey()
    {
        await using var target = await StartAsync();
        var key = target.Options.ResolveApiKey();
        var values = Line(target, target.UniqueRef("leak"), -1m);
        values["account_id"] = false;

        var validation = await Record.ExceptionAsync(() => target.Client.CreateAsync("account.analytic.line", [values]));
        var missing = await Record.ExceptionAsync(() => target.Client.CallAsync("account.analytic.line", "no_such_method", null, null));

        validation.Should().BeOfType<OdooException>();
        missing.Should().BeOfType<OdooException>();
        validation!.ToString().Should().NotContain(key);
        missing!.ToString().Should().NotContain(key);
    }

    private static JsonObject Line(ContractTarget target, string reference, decimal amount) => new()
    {
        ["name"] = "contract test " + reference,
        ["account_id"] = target.ProjectAccountId,
        ["date"] = "2026-11-20",
        ["amount"] = amount,
        ["unit_amount"] = 2.5m,
        ["ref"] = reference,
    };

    private static JsonObject Move(ContractTarget target, string reference, decimal debit, decimal credit) => new()
    {
        ["move_type"] = "entry",
        ["journal_id"] = target.JournalId,
        ["date"] = "2026-11-20",
        ["ref"] = reference,
        ["line_ids"] = new JsonArray(
            new JsonArray(0, 0, new JsonObject { ["name"] = "debit", ["account_id"] = target.ExpenseAccountId, ["debit"] = debit, ["credit"] = 0 }),
            new JsonArray(0, 0, new JsonObject { ["name"] = "credit", ["account_id"] = target.CounterpartAccountId, ["debit"] = 0, ["credit"] = credit })),
    };
}

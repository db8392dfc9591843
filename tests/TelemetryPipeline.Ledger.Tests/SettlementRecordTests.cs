using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SettlementRecordTests(PostgresFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 11, 20);

    [Fact]
    public async Task ReplaceExceptionsAsync_SecondRun_ReplacesOnlyItsPeriods()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("exceptions_replace");
        await db.Store.ReplaceExceptionsAsync(s_day.AddDays(-10), s_day.AddDays(-10), [Unresolved(s_day.AddDays(-10), "serial:OLD")]);
        await db.Store.ReplaceExceptionsAsync(s_day, s_day.AddDays(1), [Unresolved(s_day, "serial:A"), NoAssignment(s_day.AddDays(1), "EX-9")]);

        int stored = await db.Store.ReplaceExceptionsAsync(s_day, s_day.AddDays(1), [NoAssignment(s_day.AddDays(1), "EX-9")]);
        IReadOnlyList<SettlementException> all = await db.Store.ListExceptionsAsync(new ExceptionQuery());

        stored.Should().Be(1);
        all.Select(e => e.Identifier).Should().Equal("serial:OLD", "EX-9");
        all[1].Should().Be(NoAssignment(s_day.AddDays(1), "EX-9"));
    }

    [Fact]
    public async Task ListExceptionsAsync_ByKindAndPeriod_Filters()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("exceptions_filter");
        await db.Store.ReplaceExceptionsAsync(
            s_day,
            s_day.AddDays(2),
            [Unresolved(s_day, "serial:A"), NoAssignment(s_day, "EX-1"), NoAssignment(s_day.AddDays(2), "EX-2")]);

        IReadOnlyList<SettlementException> found = await db.Store.ListExceptionsAsync(
            new ExceptionQuery { Kind = ExceptionKinds.NoAssignment, PeriodTo = s_day.AddDays(1) });

        found.Should().ContainSingle().Which.Identifier.Should().Be("EX-1");
    }

    [Fact]
    public async Task ReplaceExceptionsAsync_ExceptionOutsideRange_Throws()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("exceptions_range");

        Func<Task> act = () => db.Store.ReplaceExceptionsAsync(s_day, s_day, [Unresolved(s_day.AddDays(1), "serial:A")]);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*outside the replaced range*");
    }

    [Fact]
    public async Task RecordSettlementRunAsync_WithExceptions_StoresRunAndTagsItsExceptions()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("runs");
        var started = new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);
        var first = new SettlementRunRecord(started, started.AddSeconds(4), started, 12, 1, "node-1", s_day, s_day);
        var second = new SettlementRunRecord(started.AddHours(1), started.AddHours(1).AddSeconds(2), started.AddHours(1), 0, 0, "node-2", s_day, s_day);

        long firstId = await db.Store.RecordSettlementRunAsync(first, [Unresolved(s_day, "serial:A")]);
        long secondId = await db.Store.RecordSettlementRunAsync(second, []);
        IReadOnlyList<SettlementRunRecord> runs = await db.Store.ListSettlementRunsAsync();

        secondId.Should().BeGreaterThan(firstId);
        runs.Should().HaveCount(2);
        runs[0].Should().Be(second with { Id = secondId });
        runs[1].Should().Be(first with { Id = firstId });
        (await db.Store.ListExceptionsAsync(new ExceptionQuery())).Should().BeEmpty("the second run found none for the same period");
    }

    [Fact]
    public async Task RecordSettlementRunAsync_ExceptionsOfRun_CarryTheRunId()
    {
        await using LedgerDatabase db = await fixture.CreateLedgerAsync("runs_tag");
        var at = new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

        long id = await db.Store.RecordSettlementRunAsync(new SettlementRunRecord(at, at, at, 0, 1, "node-1", s_day, s_day), [Unresolved(s_day, "serial:A")]);

        (await db.ScalarAsync<long>("SELECT run_id FROM settlement_exceptions")).Should().Be(id);
    }

    private static SettlementException Unresolved(DateOnly period, string identifier) =>
        new(ExceptionKinds.UnresolvedIdentifier, period, identifier, null, null, null, 3_600_000, 600_000, 12_500, "no alias for " + identifier);

    private static SettlementException NoAssignment(DateOnly period, string equipment) =>
        new(ExceptionKinds.NoAssignment, period, equipment, equipment, null, null, 7_200_000, 0, 0, "no assignment at bucket start");
}

using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

public sealed class RevisionPlannerTests
{
    private static readonly DateOnly s_day = T.Day("2026-11-20");
    private static readonly AppliedRate s_rate = new(100m, 30m, false, 1.25m, "USD", 0);
    private static readonly AppliedRate s_newRate = new(90m, 30m, false, 1.25m, "USD", 1);

    private static AllocationLine Line(string equipment, long op, long idle, long fuel, decimal opAmt, decimal idleAmt, decimal fuelAmt, AppliedRate? rate = null) =>
        new(equipment, op, idle, fuel, opAmt, idleAmt, fuelAmt, rate ?? s_rate);

    private static PeriodTotals Totals(params AllocationLine[] lines) => new(s_day, "PRJ-1", "03-200", "USD", lines);

    private static Allocation Revision(int revision, AllocationStatus status, params AllocationLine[] lines) =>
        new(s_day, "PRJ-1", "03-200", revision, "USD", status, lines);

    [Fact]
    public void Plan_NoEarlierRevision_StagesRevision1WithTheTotals()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);

        IReadOnlyList<Allocation> plan = RevisionPlanner.Plan([Totals(a)], []);

        Allocation r1 = plan.Should().ContainSingle().Subject;
        r1.AllocationId.Should().Be("2026-11-20/PRJ-1/03-200/r1");
        r1.Status.Should().Be(AllocationStatus.Pending);
        r1.Currency.Should().Be("USD");
        r1.Lines.Should().Equal(a);
    }

    [Fact]
    public void Plan_SameAsEarlier_StagesNothing()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);

        RevisionPlanner.Plan([Totals(a)], [Revision(1, AllocationStatus.Approved, a)]).Should().BeEmpty();
    }

    [Fact]
    public void Plan_OneLineChanged_NextRevisionHoldsOnlyItsDifference()
    {
        AllocationLine a1 = Line("EX-1", 7_200_000, 0, 10_000, 200m, 0m, 12.50m);
        AllocationLine b = Line("EX-2", 3_600_000, 0, 0, 100m, 0m, 0m);
        AllocationLine a2 = Line("EX-1", 9_000_000, 900_000, 10_001, 225m, 7.50m, 12.50m);

        IReadOnlyList<Allocation> plan = RevisionPlanner.Plan([Totals(a2, b)], [Revision(1, AllocationStatus.Pending, a1, b)]);

        Allocation r2 = plan.Should().ContainSingle().Subject;
        r2.Revision.Should().Be(2);
        r2.Lines.Should().Equal(Line("EX-1", 1_800_000, 900_000, 1, 25m, 7.50m, 0m));
        r2.Amount.Should().Be(32.50m);
    }

    [Fact]
    public void Plan_LineDisappeared_NegativeOfWhatWasAllocated()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);
        AllocationLine b = Line("EX-2", 3_600_000, 600_000, 5_000, 83.33m, 5m, 6.25m);

        IReadOnlyList<Allocation> plan = RevisionPlanner.Plan([Totals(a)], [Revision(1, AllocationStatus.Pending, a, b)]);

        plan.Should().ContainSingle().Which.Lines.Should().Equal(Line("EX-2", -3_600_000, -600_000, -5_000, -83.33m, -5m, -6.25m));
    }

    [Fact]
    public void Plan_WholeKeyDisappeared_NegatesEveryLineInTheEarlierCurrency()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);
        Allocation r1 = Revision(1, AllocationStatus.Posted, a) with { Currency = "EUR" };

        Allocation r2 = RevisionPlanner.Plan([], [r1]).Should().ContainSingle().Subject;

        r2.Revision.Should().Be(2);
        r2.Currency.Should().Be("EUR");
        r2.Lines.Should().Equal(Line("EX-1", -7_200_000, 0, 0, -200m, 0m, 0m));
    }

    [Fact]
    public void Plan_OnlyAmountsChanged_LineWithZeroQuantitiesAndAmountDifference()
    {
        AllocationLine before = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);
        AllocationLine after = Line("EX-1", 7_200_000, 0, 0, 180m, 0m, 0m, s_newRate);

        Allocation r2 = RevisionPlanner.Plan([Totals(after)], [Revision(1, AllocationStatus.Pending, before)]).Should().ContainSingle().Subject;

        r2.Lines.Should().Equal(Line("EX-1", 0, 0, 0, -20m, 0m, 0m, s_newRate));
    }

    [Fact]
    public void Plan_SeveralEarlierRevisions_DifferenceFromTheirSumAndNumberAfterTheHighest()
    {
        AllocationLine r1 = Line("EX-1", 3_600_000, 0, 0, 33.33m, 0m, 0m);
        AllocationLine r2 = Line("EX-1", 3_600_000, 0, 0, 33.34m, 0m, 0m);
        AllocationLine now = Line("EX-1", 10_800_000, 0, 0, 100m, 0m, 0m);

        Allocation r3 = RevisionPlanner.Plan(
            [Totals(now)],
            [Revision(2, AllocationStatus.Approved, r2), Revision(1, AllocationStatus.Posted, r1)]).Should().ContainSingle().Subject;

        r3.AllocationId.Should().Be("2026-11-20/PRJ-1/03-200/r3");
        r3.Lines.Should().Equal(Line("EX-1", 3_600_000, 0, 0, 33.33m, 0m, 0m));
    }

    [Fact]
    public void Plan_RejectedEarlierRevision_StillCounts()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);
        AllocationLine more = Line("EX-1", 10_800_000, 0, 0, 300m, 0m, 0m);

        RevisionPlanner.Plan([Totals(a)], [Revision(1, AllocationStatus.Rejected, a)]).Should().BeEmpty();
        Allocation r2 = RevisionPlanner.Plan([Totals(more)], [Revision(1, AllocationStatus.Rejected, a)]).Should().ContainSingle().Subject;
        r2.Revision.Should().Be(2);
        r2.Lines.Should().Equal(Line("EX-1", 3_600_000, 0, 0, 100m, 0m, 0m));
    }

    [Fact]
    public void Plan_DuplicateEarlierRevisionInInput_CountedOnce()
    {
        AllocationLine a = Line("EX-1", 7_200_000, 0, 0, 200m, 0m, 0m);

        RevisionPlanner.Plan([Totals(a)], [Revision(1, AllocationStatus.Pending, a), Revision(1, AllocationStatus.Pending, a)]).Should().BeEmpty();
    }

    [Fact]
    public void Plan_SeveralKeys_OrderedByPeriodProjectCostCode()
    {
        AllocationLine a = Line("EX-1", 3_600_000, 0, 0, 100m, 0m, 0m);

        IReadOnlyList<Allocation> plan = RevisionPlanner.Plan(
            [
                new PeriodTotals(T.Day("2026-11-21"), "PRJ-1", "03-200", "USD", [a]),
                new PeriodTotals(s_day, "PRJ-2", "03-200", "USD", [a]),
                new PeriodTotals(s_day, "PRJ-1", "04-100", "USD", [a]),
                new PeriodTotals(s_day, "PRJ-1", "03-200", "USD", [a]),
            ],
            []);

        plan.Select(p => p.AllocationId).Should().Equal(
            "2026-11-20/PRJ-1/03-200/r1", "2026-11-20/PRJ-1/04-100/r1", "2026-11-20/PRJ-2/03-200/r1", "2026-11-21/PRJ-1/03-200/r1");
    }
}

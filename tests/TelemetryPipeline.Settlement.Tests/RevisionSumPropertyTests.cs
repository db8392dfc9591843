using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Settlement.Tests;

/// <summary>
/// Property: for random sequences of bucket additions, late master data and settlements, the revisions of every
/// line add up exactly to the quantities and amounts of the final totals, computed here independently from the rules.
/// </summary>
public sealed class RevisionSumPropertyTests
{
    private static readonly long s_start = T.Ms("2026-11-10T00:00Z");
    private const int Days = 4;
    private static readonly DateTimeOffset s_final = T.At("2026-11-20T00:00Z");

    private static readonly Dictionary<string, (TimeZoneInfo Zone, string Currency)> s_projects = new()
    {
        ["PRJ-1"] = (TimeZoneInfo.Utc, "USD"),
        ["PRJ-CHI"] = (TimeZoneInfo.FindSystemTimeZoneById("America/Chicago"), "USD"),
        ["PRJ-BER"] = (TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), "EUR"),
    };

    private static readonly Dictionary<string, string> s_costMap = new() { ["X-100"] = "FIN-100" };

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Revisions_OfEveryLine_SumToFinalTotals(int seed)
    {
        var random = new Random(seed);
        SettlementOptions options = T.Options(s_costMap);
        var master = new InMemoryMasterDataSource(options);
        var store = new FakeTelemetryStore();
        var ledger = new FakeLedger();
        var runner = new SettlementRunner(store, master, ledger, options);
        var model = new Model();

        void Apply(object record)
        {
            switch (record)
            {
                case EquipmentAlias a: master.Upsert(a); model.Aliases[$"{a.Scheme}:{a.Value}"] = a.EquipmentId; break;
                case EquipmentAssignment a: master.Upsert(a); model.Assignments[(a.EquipmentId, a.ValidFromMs)] = a; break;
                case EquipmentRate r: master.Upsert(r); model.Rates[(r.EquipmentId, r.ValidFromMs)] = r; break;
            }
        }

        Apply(T.Assign("EX-0", "PRJ-1", "A-100", "2026-01-01T00:00Z"));
        Apply(T.Assign("EX-1", "PRJ-BER", "B-200", "2026-01-01T00:00Z"));
        Apply(T.Assign("EX-2", "PRJ-CHI", "A-100", "2026-01-01T00:00Z"));
        Apply(T.Assign("EX-3", "PRJ-1", "B-200", "2026-01-01T00:00Z"));
        Apply(T.Assign("EX-4", "PRJ-BER", "A-100", "2026-01-01T00:00Z"));
        Apply(RandomRate(random, "EX-0", "USD", "2026-01-01T00:00Z"));
        Apply(RandomRate(random, "EX-1", "EUR", "2026-01-01T00:00Z"));
        Apply(RandomRate(random, "EX-2", "USD", "2026-01-01T00:00Z"));
        Apply(RandomRate(random, "EX-3", "USD", "2026-01-01T00:00Z"));
        Apply(RandomRate(random, "EX-4", "EUR", "2026-01-01T00:00Z"));
        Apply(new EquipmentAlias("telematics", "T4", "EX-4"));

        // Late master data, each arriving at a random moment (or before the final settlement at the latest).
        var late = new List<object>
        {
            new EquipmentAlias("serial", "S3", "EX-3"),
            new EquipmentAssignment("EX-0", "PRJ-CHI", "C-300", RandomInstant(random), null),
            RandomRate(random, "EX-1", "EUR", fromMs: RandomInstant(random)),
            RandomRate(random, "EX-2", "USD", "2026-01-01T00:00Z"),
            new EquipmentAssignment("EX-4", "PRJ-BER", "A-100", T.Ms("2026-01-01T00:00Z"), RandomInstant(random)),
        };

        string[] identifiers = ["canonical:EX-0", "canonical:EX-1", "canonical:EX-2", "serial:S3", "telematics:T4", "serial:S9"];
        Measure[] measures = [Measure.OperatingMs, Measure.IdleMs, Measure.FuelBurnMl, Measure.FuelFillMl];
        var now = T.At("2026-11-11T00:00Z");
        int settlements = 0;
        for (int step = 0; step < 120; step++)
        {
            int dice = random.Next(100);
            if (dice < 60)
            {
                string id = identifiers[random.Next(identifiers.Length)];
                Measure measure = measures[random.Next(measures.Length)];
                long bucket = s_start + (random.Next(Days * BucketMath.BucketsPerDay) * BucketMath.BucketMs);
                long amount = measure is Measure.OperatingMs or Measure.IdleMs ? random.Next(1, 900_001) : random.Next(1, 60_001);
                (string? project, string? cost) = (null, null);
                if (id is "canonical:EX-0" or "canonical:EX-2" && random.Next(5) == 0)
                {
                    (project, cost) = random.Next(2) == 0 ? ("PRJ-1", "X-100") : ("PRJ-CHI", "X-200");
                }

                var entry = new BucketEntry(id, bucket, measure, project, cost, amount);
                store.Add(entry);
                model.Entries.Add(entry);
            }
            else if (dice < 85)
            {
                now = now.AddMinutes(random.Next(0, 4 * 60));
                await runner.RunAsync(now, CancellationToken.None);
                settlements++;
            }
            else if (late.Count > 0 && step >= 40)
            {
                // After some settlements, so that late master data has settled periods to revise.
                int i = random.Next(late.Count);
                Apply(late[i]);
                late.RemoveAt(i);
            }
        }

        foreach (object record in late)
        {
            Apply(record);
        }

        await runner.RunAsync(s_final, CancellationToken.None);
        SettlementReport again = await runner.RunAsync(s_final, CancellationToken.None);
        again.AllocationsPlanned.Should().Be(0, "a settlement that finds no difference stages nothing");

        Dictionary<(DateOnly, string, string, string), Sums> expected = model.FinalLines();
        var actual = new Dictionary<(DateOnly, string, string, string), Sums>();
        foreach (Allocation allocation in ledger.Allocations)
        {
            foreach (AllocationLine line in allocation.Lines)
            {
                var key = (allocation.Period, allocation.ProjectCode, allocation.CostCode, line.EquipmentId);
                actual[key] = actual.GetValueOrDefault(key) + new Sums(line.OperatingMs, line.IdleMs, line.FuelMl, line.OperatingAmount, line.IdleAmount, line.FuelAmount);
                (line.OperatingMs, line.IdleMs, line.FuelMl, line.OperatingAmount, line.IdleAmount, line.FuelAmount)
                    .Should().NotBe((0L, 0L, 0L, 0m, 0m, 0m), "lines with no difference are omitted");
            }
        }

        foreach ((DateOnly, string, string, string) key in expected.Keys.Union(actual.Keys))
        {
            actual.GetValueOrDefault(key).Should().Be(expected.GetValueOrDefault(key), $"line {key} (seed {seed}, {settlements} interim settlements)");
        }

        foreach (IGrouping<(DateOnly, string, string), Allocation> key in ledger.Allocations.GroupBy(a => (a.Period, a.ProjectCode, a.CostCode)))
        {
            key.Select(a => a.Revision).Order().Should().Equal(Enumerable.Range(1, key.Count()), "revisions are numbered 1..n");
        }

        expected.Should().NotBeEmpty();
    }

    private static long RandomInstant(Random random) => s_start + (random.Next(Days * BucketMath.BucketsPerDay) * BucketMath.BucketMs) + random.Next(0, 60_000);

    private static EquipmentRate RandomRate(Random random, string equipmentId, string currency, string? fromIso = null, long? fromMs = null) =>
        new(
            equipmentId,
            Ownership.Owned,
            random.Next(100_000, 3_000_000) / 10_000m,
            random.Next(10_000, 900_000) / 10_000m,
            random.Next(4) == 0,
            random.Next(5_000, 30_000) / 10_000m,
            currency,
            fromMs ?? T.Ms(fromIso!));

    private readonly record struct Sums(long Op, long Idle, long Fuel, decimal OpAmount, decimal IdleAmount, decimal FuelAmount)
    {
        public static Sums operator +(Sums a, Sums b) =>
            new(a.Op + b.Op, a.Idle + b.Idle, a.Fuel + b.Fuel, a.OpAmount + b.OpAmount, a.IdleAmount + b.IdleAmount, a.FuelAmount + b.FuelAmount);
    }

    /// <summary>The rules, restated plainly for the final state.</summary>
    private sealed class Model
    {
        public Dictionary<string, string> Aliases { get; } = new() { ["canonical:EX-0"] = "EX-0", ["canonical:EX-1"] = "EX-1", ["canonical:EX-2"] = "EX-2" };
        public Dictionary<(string, long), EquipmentAssignment> Assignments { get; } = [];
        public Dictionary<(string, long), EquipmentRate> Rates { get; } = [];
        public List<BucketEntry> Entries { get; } = [];

        public Dictionary<(DateOnly, string, string, string), Sums> FinalLines()
        {
            var quantities = new Dictionary<(DateOnly Period, string Project, string Cost, string Equipment), (long Op, long Idle, long Fuel)>();
            foreach (BucketEntry e in Entries)
            {
                if (e.Measure == Measure.FuelFillMl || !Aliases.TryGetValue(e.Identifier, out string? equipment))
                {
                    continue;
                }

                string project;
                string cost;
                if (e.ProjectCode is not null && e.CostCode is not null)
                {
                    (project, cost) = (e.ProjectCode, e.CostCode);
                }
                else
                {
                    EquipmentAssignment? assignment = Assignments.Values
                        .Where(a => a.EquipmentId == equipment && a.ValidFromMs <= e.BucketStartMs && (a.ValidToMs is null || e.BucketStartMs < a.ValidToMs))
                        .MaxBy(a => a.ValidFromMs);
                    if (assignment is null)
                    {
                        continue;
                    }

                    (project, cost) = (assignment.ProjectCode, assignment.CostCode);
                }

                cost = s_costMap.GetValueOrDefault(cost, cost);
                DateTime local = TimeZoneInfo.ConvertTimeFromUtc(DateTimeOffset.FromUnixTimeMilliseconds(e.BucketStartMs).UtcDateTime, s_projects[project].Zone);
                var key = (DateOnly.FromDateTime(local), project, cost, equipment);
                (long op, long idle, long fuel) = quantities.GetValueOrDefault(key);
                quantities[key] = e.Measure switch
                {
                    Measure.OperatingMs => (op + e.Amount, idle, fuel),
                    Measure.IdleMs => (op, idle + e.Amount, fuel),
                    _ => (op, idle, fuel + e.Amount),
                };
            }

            var lines = new Dictionary<(DateOnly, string, string, string), Sums>();
            foreach (KeyValuePair<(DateOnly Period, string Project, string Cost, string Equipment), (long Op, long Idle, long Fuel)> pair in quantities)
            {
                (TimeZoneInfo zone, string currency) = s_projects[pair.Key.Project];
                long midnight = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(pair.Key.Period.ToDateTime(TimeOnly.MinValue), zone)).ToUnixTimeMilliseconds();
                EquipmentRate? rate = Rates.Values.Where(r => r.EquipmentId == pair.Key.Equipment && r.ValidFromMs <= midnight).MaxBy(r => r.ValidFromMs);
                if (rate is null || rate.Currency != currency)
                {
                    continue;
                }

                (long op, long idle, long fuel) = pair.Value;
                decimal opAmount = Math.Round(Math.Max(0, op - idle) * rate.OperatingRate / 3_600_000m, 2, MidpointRounding.AwayFromZero);
                decimal idleAmount = Math.Round(idle * rate.IdleRate / 3_600_000m, 2, MidpointRounding.AwayFromZero);
                decimal fuelAmount = rate.FuelIncluded ? 0m : Math.Round(fuel * rate.FuelPricePerLiter / 1000m, 2, MidpointRounding.AwayFromZero);
                lines[pair.Key] = new Sums(op, idle, fuel, opAmount, idleAmount, fuelAmount);
            }

            return lines;
        }
    }
}

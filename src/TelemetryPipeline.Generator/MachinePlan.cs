using System.Globalization;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Generator;

/// <summary>A machine's fixed generation parameters (drawn once from the seed) and its scenario roles.</summary>
internal sealed class MachinePlan
{
    private static readonly string[] s_excavators = ["CAT 336", "CAT 320", "Deere 350G", "Komatsu PC290"];
    private static readonly string[] s_loaders = ["CAT 950M", "Deere 644L", "Volvo L120H"];
    private static readonly string[] s_dozers = ["CAT D6", "Deere 850L", "Komatsu D61"];
    private static readonly string[] s_cranes = ["Liebherr LTM 1100", "Grove GMK5150", "Tadano AC 4.080"];

    private MachinePlan(ScenarioMachine machine, int index, int projectIndex, ScenarioProject project)
    {
        Machine = machine;
        Index = index;
        ProjectIndex = projectIndex;
        Project = project;
        Key = machine.Identifier.Key;
        CanonicalRef = new EquipmentRef(EquipmentRef.CanonicalScheme, machine.EquipmentId);
        CanonicalKey = CanonicalRef.Key;
    }

    public ScenarioMachine Machine { get; set; }

    public int Index { get; }

    public int ProjectIndex { get; }

    /// <summary>The project whose time zone sets the shift hours (its first project, also when unassigned).</summary>
    public ScenarioProject Project { get; }

    /// <summary>The identifier as sent, <c>scheme:value</c>: the Kafka key of its telemetry.</summary>
    public string Key { get; }

    public EquipmentRef CanonicalRef { get; }

    public string CanonicalKey { get; }

    public string SiteId { get; private init; } = string.Empty;

    public double Utilization { get; private init; }

    public double IdleFraction { get; private init; }

    public double WorkBurnLitersPerHour { get; private init; }

    public double IdleBurnLitersPerHour { get; private init; }

    public int ShiftStartMinute { get; private init; }

    public double InitialOperatingHours { get; private init; }

    public double InitialIdleHours { get; private init; }

    public double InitialFuelLiters { get; private init; }

    public long LatencyMinMs { get; private init; }

    public long LatencyMaxMs { get; private init; }

    public decimal OperatingRate { get; private init; }

    public decimal IdleRate { get; private init; }

    public bool FuelIncluded { get; private init; }

    public decimal FuelPricePerLiter { get; private init; }

    public bool IsMover { get; set; }

    public bool HasRateChange { get; set; }

    public bool CurrencyMismatch { get; set; }

    public bool LateAlias { get; set; }

    /// <summary>The meter reset once mid-window (OperatingMs or FuelBurnMl), or null.</summary>
    public Measure? ResetMeter { get; set; }

    /// <summary>True when the operating meter jumps absurdly once mid-window.</summary>
    public bool Anomaly { get; set; }

    public static MachinePlan Create(int seed, int index, int projectIndex, ScenarioProject project)
    {
        var rng = ScenarioRandom.For(seed, 0xF1EE7, (ulong)index);
        double k = rng.NextDouble();
        var kind = k < 0.40 ? MachineKind.Excavator : k < 0.65 ? MachineKind.WheelLoader : k < 0.85 ? MachineKind.Dozer : MachineKind.Crane;
        string id = "EX-" + (index + 1).ToString("D4", CultureInfo.InvariantCulture);
        string n5 = (index + 1).ToString("D5", CultureInfo.InvariantCulture);

        // The reporting mix: half on cumulative meters, four in ten on hourly deltas, one in ten via the field app.
        int slot = index % 10;
        (ReportingMode mode, string source, EquipmentRef identifier, FuelUnit unit) = slot switch
        {
            <= 3 => (ReportingMode.Meters, "visionlink", new EquipmentRef("serial", "CAT0" + SerialPrefix(rng) + n5), FuelUnit.Liter),
            4 or 5 => (ReportingMode.HourlyDeltas, "jdlink", new EquipmentRef("telematics", "JDL-" + (700000 + index).ToString(CultureInfo.InvariantCulture)), FuelUnit.UsGallon),
            6 => (ReportingMode.HourlyDeltas, "jdlink", new EquipmentRef("telematics", "JDL-" + (700000 + index).ToString(CultureInfo.InvariantCulture)), FuelUnit.Liter),
            7 => (ReportingMode.IntervalFreeDeltas, "trackunit", new EquipmentRef(EquipmentRef.CanonicalScheme, id), FuelUnit.Liter),
            8 => (ReportingMode.FieldApp, "fieldapp", new EquipmentRef(EquipmentRef.CanonicalScheme, id), FuelUnit.Liter),
            _ => (ReportingMode.Meters, "rentalfleet", new EquipmentRef("rental", "UR-" + (200000 + index).ToString(CultureInfo.InvariantCulture)), FuelUnit.Liter),
        };

        string[] models = kind switch
        {
            MachineKind.Excavator => s_excavators,
            MachineKind.WheelLoader => s_loaders,
            MachineKind.Dozer => s_dozers,
            _ => s_cranes,
        };

        (string cost, string alt, double opRate, double workBurn) = kind switch
        {
            MachineKind.Excavator => ("31-200", "31-230", rng.NextDouble(95, 165), rng.NextDouble(18, 26)),
            MachineKind.WheelLoader => ("31-230", "02-100", rng.NextDouble(75, 120), rng.NextDouble(14, 20)),
            MachineKind.Dozer => ("31-220", "31-200", rng.NextDouble(110, 180), rng.NextDouble(24, 34)),
            _ => ("03-200", "05-120", rng.NextDouble(150, 260), rng.NextDouble(9, 13)),
        };

        var ownership = mode == ReportingMode.Meters && source == "rentalfleet" || rng.Chance(0.2) ? Ownership.Rented : Ownership.Owned;
        bool wet = ownership == Ownership.Rented && rng.Chance(0.5);
        double fuelPrice = project.Currency == "CAD" ? rng.NextDouble(1.55, 1.75) : rng.NextDouble(1.05, 1.35);
        double initialHours = rng.NextDouble(800, 12000);
        double idleShare = rng.NextDouble(0.18, 0.32);
        var machine = new ScenarioMachine
        {
            EquipmentId = id,
            Kind = kind,
            Model = models[rng.Next(0, models.Length)],
            Identifier = identifier,
            Source = source,
            Mode = mode,
            FuelUnit = unit,
            ProjectCode = project.Code,
            CostCode = cost,
            AlternateCostCode = alt,
            Resolvable = true,
            HasRate = true,
            Ownership = ownership,
        };

        (long latMin, long latMax) = source switch
        {
            "visionlink" => (60_000L, 600_000L),
            "jdlink" => (5_000L, 120_000L),
            "trackunit" => (2_000L, 30_000L),
            "fieldapp" => (60_000L, 3_600_000L),
            _ => (300_000L, 900_000L),
        };

        return new MachinePlan(machine, index, projectIndex, project)
        {
            SiteId = project.Code + "-S" + (1 + (index % 3)).ToString(CultureInfo.InvariantCulture),
            Utilization = rng.NextDouble(0.55, 0.85),
            IdleFraction = rng.NextDouble(0.12, 0.35),
            WorkBurnLitersPerHour = workBurn,
            IdleBurnLitersPerHour = rng.NextDouble(2.5, 4.5),
            ShiftStartMinute = rng.Next(0, 60),
            InitialOperatingHours = Math.Round(initialHours, 2),
            InitialIdleHours = Math.Round(initialHours * idleShare, 2),
            InitialFuelLiters = Math.Round(initialHours * workBurn * 0.8, 1),
            LatencyMinMs = latMin,
            LatencyMaxMs = latMax,
            OperatingRate = Money(opRate),
            IdleRate = Money(opRate * rng.NextDouble(0.25, 0.35)),
            FuelIncluded = wet,
            FuelPricePerLiter = decimal.Round((decimal)fuelPrice, 4, MidpointRounding.AwayFromZero),
        };
    }

    private static decimal Money(double value) => decimal.Round((decimal)value, 2, MidpointRounding.AwayFromZero);

    private static string SerialPrefix(ScenarioRandom rng)
    {
        Span<char> letters = stackalloc char[3];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('A' + rng.Next(0, 26));
        }

        return "336" + new string(letters);
    }
}

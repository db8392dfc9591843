using System.CommandLine;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace TelemetryPipeline.Perf.Micro;

/// <summary>
/// <c>micro</c>: BenchmarkDotNet over RESP parse/encode, bucket spreading and batch building (Avro decode has its own
/// project, perf/TelemetryPipeline.Avro.Benchmarks). Arguments after <c>micro</c> go to BenchmarkDotNet
/// (<c>--filter '*Resp*'</c>, <c>--job short</c>, ...). Without <c>--job</c>/<c>--inProcess</c> it runs a short job in
/// process: the default out-of-process toolchain would rebuild this project tree into its own bin/obj folders.
/// </summary>
internal static class MicroCommand
{
    public static readonly Type[] Benchmarks = [typeof(RespBenchmarks), typeof(BucketSpreadBenchmarks), typeof(BatchBuildBenchmarks)];

    public static Command Create()
    {
        var command = new Command(
            "micro",
            "BenchmarkDotNet micro-benchmarks (MemoryDiagnoser): RESP parse/encode, BucketMath.Spread, the store's batch building. "
            + "Further arguments go to BenchmarkDotNet, e.g. micro --filter '*Spread*'.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parse =>
        {
            string[] args = [.. parse.UnmatchedTokens];
            IConfig config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(PerfCommands.DefaultResultsDirectory(), "micro"));
            if (!args.Any(static a => a.StartsWith("--job", StringComparison.Ordinal) || a.StartsWith("--inProcess", StringComparison.Ordinal) || a == "-j"))
            {
                config = config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
            }

            BenchmarkSwitcher.FromTypes(Benchmarks).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
            return 0;
        });
        return command;
    }
}

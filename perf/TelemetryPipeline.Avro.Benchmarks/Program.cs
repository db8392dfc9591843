using BenchmarkDotNet.Running;

// dotnet run -c Release --project perf/TelemetryPipeline.Avro.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(TelemetryPipeline.Avro.Benchmarks.UsageDecodeBenchmarks).Assembly).Run(args);

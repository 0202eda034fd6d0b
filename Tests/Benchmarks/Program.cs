using BenchmarkDotNet.Running;
using Resonance.Benchmarks;

// --quick: the field kernels (BenchmarkDotNet, short in-process job), the entanglement detection kernel and the grain
// paths (in-process silo), one JSON object per line on stdout. --entanglement / --grains: only those cases
// (--grains --rates 10000,20000: only those paced loads). --events:
// event ingest through the store (SQLite; PostgreSQL too with RESONANCE_BENCH_POSTGRES). --dense [--clients N]
// [--min-hz A --max-hz B] [--warmup S] [--seconds S]: the default mix's grain load on the one dense space.
// Anything else goes to BenchmarkDotNet's switcher (e.g. --filter *Field*).
if (args.Contains("--entanglement"))
{
    EntanglementBenchmarkCases.RunQuick(Console.Out);
    return 0;
}
if (args.Contains("--events"))
{
    await EventIngestBenchmarkCases.RunAsync(Console.Out);
    return 0;
}
if (args.Contains("--dense"))
{
    await DenseBenchmarkCases.RunAsync(Console.Out, args);
    return 0;
}
if (args.Contains("--grains"))
{
    int r = Array.IndexOf(args, "--rates"), sec = Array.IndexOf(args, "--seconds");
    if (sec >= 0 && sec + 1 < args.Length) GrainBenchmarkCases.Measure = TimeSpan.FromSeconds(double.Parse(args[sec + 1], System.Globalization.CultureInfo.InvariantCulture));
    int[]? rates = r >= 0 && r + 1 < args.Length ? args[r + 1].Split(',').Select(int.Parse).ToArray() : null;
    await GrainBenchmarkCases.RunQuickAsync(Console.Out, rates);
    return 0;
}
if (args.Contains("--quick"))
{
    FieldBenchmarkCases.RunQuick(Console.Out);
    EntanglementBenchmarkCases.RunQuick(Console.Out);
    await GrainBenchmarkCases.RunQuickAsync(Console.Out);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(FieldBenchmarkCases).Assembly).Run(args);
return 0;

using BenchmarkDotNet.Running;
using Resonance.Benchmarks;

// --quick: the field kernels (BenchmarkDotNet, short in-process job) and the grain paths (in-process silo),
// one JSON object per line on stdout. Anything else goes to BenchmarkDotNet's switcher (e.g. --filter *Field*).
if (args.Contains("--quick"))
{
    FieldBenchmarkCases.RunQuick(Console.Out);
    await GrainBenchmarkCases.RunQuickAsync(Console.Out);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(FieldBenchmarkCases).Assembly).Run(args);
return 0;

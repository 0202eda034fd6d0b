using BenchmarkDotNet.Attributes;
using Resonance.Grains.Field;

namespace Resonance.Benchmarks;

/// <summary>Deterministic inputs shared by the field benchmarks (fixed seeds).</summary>
internal static class FieldBenchmarkData
{
    public static readonly KernelSpec Exponential = KernelSpec.Exponential(cutoff: 10, lambda: 0.1);

    /// <summary>n nodes uniformly over [0, W) x [0, H) with strength in [0, 1), phase in [0, 2 pi).</summary>
    public static FieldSource[] RandomNodes(int seed, int count, double width, double height)
    {
        var rnd = new Random(seed);
        var nodes = new FieldSource[count];
        for (int k = 0; k < count; k++)
            nodes[k] = new FieldSource(rnd.NextDouble() * width, rnd.NextDouble() * height, rnd.NextDouble(), rnd.NextDouble() * Phase.TwoPi);
        return nodes;
    }

    /// <summary>The naive O(samples x nodes) scalar loop (as the test reference does it): the baseline for the ratio.</summary>
    public static void NaiveNodeSum(double[] values, in TileRegion region, in KernelSpec kernel, FieldSource[] nodes)
    {
        double h = region.Spacing, r2 = kernel.Cutoff * kernel.Cutoff;
        for (int jj = 0; jj < region.Height; jj++)
        for (int ii = 0; ii < region.Width; ii++)
        {
            double x = (region.I0 + ii) * h, y = (region.J0 + jj) * h, sum = 0;
            foreach (var n in nodes)
            {
                double dx = x - n.X, dy = y - n.Y, d2 = dx * dx + dy * dy;
                if (d2 <= r2) sum += n.Strength * kernel.Evaluate(Math.Sqrt(d2), n.Phase);
            }
            values[jj * region.Width + ii] = sum;
        }
    }
}

/// <summary>
/// The field cases of <c>--quick</c> (see <see cref="FieldBenchmarkCases"/>): full recomputes with the exponential kernel,
/// R = 10, h = 1, random nodes with a fixed seed; and the incremental move of one node.
/// </summary>
[MemoryDiagnoser]
public class FieldQuickBenchmarks
{
    private static readonly KernelSpec Kernel = FieldBenchmarkData.Exponential;

    private readonly TileRegion _r30 = new(0, 0, 30, 30, 1);
    private readonly TileRegion _r256 = new(0, 0, 256, 256, 1);
    private readonly TileRegion _r1024 = new(0, 0, 1024, 1024, 1);
    private FieldSource[] _n20 = [], _n1000 = [], _n10000 = [];
    private double[] _v30 = [], _v256 = [], _v1024 = [];

    // node-move: a 64x64 tile holds the full R = 10 footprint of a node anywhere in [20, 44)^2; the node cycles
    // through 16 fixed positions so every column alignment of the footprint is exercised.
    private readonly TileRegion _tileRegion = new(0, 0, 64, 64, 1);
    private double[] _tile = [];
    private FieldSource[] _path = [];
    private int _step;

    // compose: the 30x30 frame with the classic background.
    private double[] _frame = [];
    private Composition _composition;
    private Composition _softComposition;

    [GlobalSetup]
    public void Setup()
    {
        _n20 = FieldBenchmarkData.RandomNodes(20, 20, 30, 30);
        _n1000 = FieldBenchmarkData.RandomNodes(1000, 1000, 256, 256);
        _n10000 = FieldBenchmarkData.RandomNodes(10000, 10000, 1024, 1024);
        _v30 = new double[_r30.Count];
        _v256 = new double[_r256.Count];
        _v1024 = new double[_r1024.Count];

        var rnd = new Random(64);
        _path = new FieldSource[16];
        for (int k = 0; k < _path.Length; k++) _path[k] = new FieldSource(20 + rnd.NextDouble() * 24, 20 + rnd.NextDouble() * 24, 0.8, 1.0);
        _tile = new double[_tileRegion.Count];
        _step = 0;
        FootprintKernel.Accumulate(_tile, _tileRegion, Kernel, _path[0]);

        _frame = new double[_r30.Count];
        _composition = new Composition(0.3, 0.6, 12.5, BackgroundModes.Classic, true);
        _softComposition = _composition with { Saturation = FieldSaturation.Soft };
        FieldComputer.Recompute(_v30, _r30, Kernel, _n20);
    }

    [Benchmark]
    public void Field30x30N20() => FieldComputer.Recompute(_v30, _r30, Kernel, _n20);

    [Benchmark]
    public void Field30x30N20Naive() => FieldBenchmarkData.NaiveNodeSum(_v30, _r30, Kernel, _n20);

    [Benchmark]
    public void Field256x256N1000() => FieldComputer.Recompute(_v256, _r256, Kernel, _n1000);

    [Benchmark]
    public void Field1024x1024N10000() => FieldComputer.Recompute(_v1024, _r1024, Kernel, _n10000);

    /// <summary>One node moves: subtract the old footprint, add the new one (2 x ~314 samples).</summary>
    [Benchmark]
    public void NodeMoveR10()
    {
        int k = _step;
        _step = (k + 1) & 15;
        FootprintKernel.Accumulate(_tile, _tileRegion, Kernel, _path[k], -1.0);
        FootprintKernel.Accumulate(_tile, _tileRegion, Kernel, _path[_step], 1.0);
    }

    [Benchmark]
    public void Compose30x30Classic() => FrameComposer.Compose(_v30, _frame, _r30, _composition);

    /// <summary>The same frame with soft saturation (one vector exp per 4 samples more).</summary>
    [Benchmark]
    public void Compose30x30ClassicSoft() => FrameComposer.Compose(_v30, _frame, _r30, _softComposition);
}

/// <summary>Per-kernel and per-instruction-set cost of one footprint (not part of --quick; run with --filter *FieldPath*).</summary>
[MemoryDiagnoser]
public class FieldPathBenchmarks
{
    private readonly TileRegion _region = new(0, 0, 64, 64, 1);
    private double[] _tile = [];
    private readonly FieldSource _source = new(31.3, 32.7, 0.8, 1.0);

    [Params(KernelKind.Exponential, KernelKind.Gaussian, KernelKind.Harmonic)]
    public KernelKind Kind { get; set; }

    private KernelSpec _kernel;

    [GlobalSetup]
    public void Setup()
    {
        _tile = new double[_region.Count];
        _kernel = Kind switch
        {
            KernelKind.Gaussian => KernelSpec.Gaussian(),
            KernelKind.Harmonic => KernelSpec.Harmonic(),
            _ => KernelSpec.Exponential(),
        };
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => FootprintKernel.AccumulateScalar(_tile, _region, _kernel, _source);

    [Benchmark]
    public void Avx2()
    {
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) FootprintKernel.Accumulate256(_tile, _region, _kernel, _source);
    }

    [Benchmark]
    public void Avx512()
    {
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) FootprintKernel.Accumulate512(_tile, _region, _kernel, _source);
    }
}

/// <summary>Frame statistics and peaks over a 1024x1024 field (run with --filter *FieldAnalysis*).</summary>
[MemoryDiagnoser]
public class FieldAnalysisBenchmarks
{
    private readonly TileRegion _region = new(0, 0, 1024, 1024, 1);
    private double[] _values = [];
    private readonly FieldPeak[] _peaks = new FieldPeak[16];
    private readonly TilePeakFinder _finder = new();

    [GlobalSetup]
    public void Setup()
    {
        _values = new double[_region.Count];
        FieldComputer.Recompute(_values, _region, FieldBenchmarkData.Exponential, FieldBenchmarkData.RandomNodes(10000, 10000, 1024, 1024));
    }

    [Benchmark]
    public FieldStats Statistics() => FieldStatistics.Compute(_values);

    [Benchmark]
    public int Peaks() => _finder.Find(_values, _region, _region.Width, _region.Height, _peaks, []).Peaks;
}

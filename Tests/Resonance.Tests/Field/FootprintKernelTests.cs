using System.Runtime.Intrinsics.X86;
using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

public class FootprintKernelTests
{
    public delegate void AccumulateFn(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign);

    public static TheoryData<string> Paths() => new() { "public", "scalar", "avx2", "avx512" };

    private static AccumulateFn? Path(string name) => name switch
    {
        "public" => FootprintKernel.Accumulate,
        "scalar" => FootprintKernel.AccumulateScalar,
        "avx2" => Avx2.IsSupported && Fma.IsSupported ? FootprintKernel.Accumulate256 : null,
        "avx512" => Avx512F.IsSupported ? FootprintKernel.Accumulate512 : null,
        _ => throw new ArgumentException(name),
    };

    private static IEnumerable<TileRegion> Regions()
    {
        yield return new TileRegion(0, 0, 30, 30, 1);
        yield return new TileRegion(0, 0, 40, 24, 0.5);
        yield return new TileRegion(17, 5, 10, 10, 1);      // interior tile of a larger grid
        yield return new TileRegion(3, 9, 7, 3, 1);         // narrower than a vector
        yield return new TileRegion(40, 2, 1, 13, 0.5);     // one column
        yield return new TileRegion(8, 8, 1, 1, 1);         // one sample
        yield return new TileRegion(0, 0, 13, 5, 0.25);     // fine spacing, footprint larger than the region
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SingleFootprint_MatchesReference_AndLeavesOtherSamplesUntouched(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return; // instruction set not available on this machine
        var rnd = new Random(1234);
        int checkedSamples = 0;
        foreach (var region in Regions())
        {
            for (int kk = 0; kk < FieldTestData.Kernels.Length; kk++)
            {
                var kernel = FieldTestData.Kernels[kk];
                for (int rep = 0; rep < 40; rep++)
                {
                    var source = FieldTestData.Source(rnd, region, kernel);
                    double sign = rnd.Next(2) == 0 ? 1.0 : -1.0;
                    double[] before = FieldTestData.RandomValues(rnd, region.Count);
                    double[] values = (double[])before.Clone();
                    path(values, region, kernel, source, sign);

                    double r2 = kernel.Cutoff * kernel.Cutoff;
                    for (int jj = 0; jj < region.Height; jj++)
                    for (int ii = 0; ii < region.Width; ii++)
                    {
                        int k = jj * region.Width + ii;
                        double dx = (region.I0 + ii) * region.Spacing - source.X, dy = (region.J0 + jj) * region.Spacing - source.Y;
                        double d2 = dx * dx + dy * dy;
                        if (d2 <= r2)
                        {
                            double expected = sign * source.Strength * kernel.Evaluate(Math.Sqrt(d2), source.Phase);
                            double got = values[k] - before[k];
                            Assert.True(Math.Abs(got - expected) <= 2e-15,
                                $"{pathName} {region} {kernel} {source}: sample ({ii},{jj}) term {got} vs {expected}");
                            checkedSamples++;
                        }
                        else
                        {
                            Assert.True(BitConverter.DoubleToInt64Bits(values[k]) == BitConverter.DoubleToInt64Bits(before[k]),
                                $"{pathName} {region} {kernel} {source}: sample ({ii},{jj}) outside the cutoff changed");
                        }
                    }
                }
            }
        }
        Assert.True(checkedSamples > 10_000, $"only {checkedSamples} samples inside footprints were checked");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BoundarySamplesAtExactlyR_AreIncluded(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        var region = new TileRegion(0, 0, 30, 30, 1);
        var kernel = KernelSpec.Exponential(cutoff: 10);
        var source = new FieldSource(15, 15, 1, 0);
        var values = new double[region.Count];
        path(values, region, kernel, source, 1.0);
        // (15 +- 6, 15 +- 8), (15 +- 10, 15), (15, 15 +- 10) are at distance exactly 10.
        double edge = Math.Exp(-1.0);
        foreach (var (i, j) in new[] { (21, 23), (9, 7), (25, 15), (5, 15), (15, 25), (15, 5), (23, 21) })
            Assert.Equal(edge, values[region.Index(i, j)], 1e-14);
        // Just outside: (15 + 7, 15 + 8) has d^2 = 113, (26, 15) has d = 11.
        Assert.Equal(0.0, values[region.Index(22, 23)]);
        Assert.Equal(0.0, values[region.Index(26, 15)]);
        Assert.Equal(1.0, values[region.Index(15, 15)], 1e-15);
        int nonZero = values.Count(v => v != 0);
        Assert.Equal(317, nonZero); // lattice points with x^2 + y^2 <= 100 (Gauss circle problem, N(10) = 317)
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BoundarySamplesAtExactlyR_AreIncluded_WideFootprint(string pathName)
    {
        // R/h = 50: the vector paths find row ranges by trimming the chord estimate here (blocks wider than 64 columns).
        var path = Path(pathName);
        if (path is null) return;
        var region = new TileRegion(0, 0, 121, 101, 1);
        var kernel = KernelSpec.Exponential(cutoff: 50);
        var source = new FieldSource(60, 50, 1, 0);
        var values = new double[region.Count];
        path(values, region, kernel, source, 1.0);
        double edge = Math.Exp(-5.0);
        foreach (var (i, j) in new[] { (90, 90), (30, 10), (100, 80), (20, 20), (110, 50), (10, 50), (60, 100), (60, 0), (74, 98), (46, 2) })
            Assert.Equal(edge, values[region.Index(i, j)], 1e-15);
        Assert.Equal(0.0, values[region.Index(111, 50)]);
        Assert.Equal(0.0, values[region.Index(91, 90)]);
        int expected = 0;
        for (int dy = -50; dy <= 50; dy++)
        for (int dx = -50; dx <= 50; dx++)
            if (dx * dx + dy * dy <= 2500) expected++;
        Assert.Equal(expected, values.Count(v => v != 0));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AddThenSubtract_RestoresValues(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        var rnd = new Random(99);
        var region = new TileRegion(5, 5, 33, 21, 0.5);
        foreach (var kernel in FieldTestData.Kernels)
        {
            double[] before = FieldTestData.RandomValues(rnd, region.Count);
            double[] values = (double[])before.Clone();
            var sources = FieldTestData.Sources(rnd, region, kernel, 25);
            foreach (var s in sources) path(values, region, kernel, s, 1.0);
            foreach (var s in sources) path(values, region, kernel, s, -1.0);
            Assert.True(ReferenceField.MaxAbsDiff(before, values) <= 1e-13);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WideFootprints_SpanSeveralColumnBlocks_MatchReference(string pathName)
    {
        // Footprints wider than the 256-column block of the vector paths: rows cross block edges at every alignment.
        var path = Path(pathName);
        if (path is null) return;
        var rnd = new Random(4321);
        var region = new TileRegion(3, 1, 700, 9, 0.5);
        foreach (var kernel in new[] { KernelSpec.Exponential(cutoff: 170), KernelSpec.Gaussian(cutoff: 130, sigma: 40), KernelSpec.Harmonic(cutoff: 150, waveNumber: 0.3) })
        {
            for (int rep = 0; rep < 6; rep++)
            {
                var source = new FieldSource(region.I0 * 0.5 + rnd.NextDouble() * 350, rnd.NextDouble() * 6, rnd.NextDouble(), rnd.NextDouble() * 6);
                double[] before = FieldTestData.RandomValues(rnd, region.Count);
                double[] values = (double[])before.Clone();
                path(values, region, kernel, source, -1.0);
                double r2 = kernel.Cutoff * kernel.Cutoff;
                int inside = 0;
                for (int jj = 0; jj < region.Height; jj++)
                for (int ii = 0; ii < region.Width; ii++)
                {
                    int k = jj * region.Width + ii;
                    double dx = (region.I0 + ii) * region.Spacing - source.X, dy = (region.J0 + jj) * region.Spacing - source.Y;
                    double d2 = dx * dx + dy * dy;
                    if (d2 <= r2)
                    {
                        inside++;
                        double expected = -source.Strength * kernel.Evaluate(Math.Sqrt(d2), source.Phase);
                        Assert.True(Math.Abs(values[k] - before[k] - expected) <= 2e-15, $"{pathName} {kernel} {source} ({ii},{jj})");
                    }
                    else
                    {
                        Assert.Equal(BitConverter.DoubleToInt64Bits(before[k]), BitConverter.DoubleToInt64Bits(values[k]));
                    }
                }
                Assert.True(inside > 300, $"{inside}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Gaussian_TinySigma_UnderflowsCleanly(string pathName)
    {
        // The separable gaussian multiplies a column and a row factor; both clamp their exponent like the vector exp does.
        var path = Path(pathName);
        if (path is null) return;
        var region = new TileRegion(0, 0, 21, 21, 1);
        var values = new double[region.Count];
        path(values, region, KernelSpec.Gaussian(cutoff: 1e4, sigma: 0.01), new FieldSource(3, 4, 0.5, 0), 1.0);
        Assert.Equal(0.5, values[region.Index(3, 4)]);
        Assert.All(values, v => Assert.True(v >= 0 && v < 1e-300 || v == 0.5));
    }

    [Fact]
    public void FarAwaySources_TouchNothing()
    {
        var region = new TileRegion(10, 10, 10, 10, 1);
        var kernel = KernelSpec.Exponential();
        var values = new double[region.Count];
        foreach (var s in new[]
                 {
                     new FieldSource(-1e12, 15, 1, 0), new FieldSource(15, 1e300, 1, 0), new FieldSource(-1e300, -1e300, 1, 0),
                     new FieldSource(19 + 10.0001, 15, 1, 0), new FieldSource(15, 10 - 10.0001, 1, 0),
                     new FieldSource(20 + 7.1, 20 + 7.1, 1, 0), // diagonal: d = 10.04 from the corner sample (19, 19)
                 })
        {
            FootprintKernel.Accumulate(values, region, kernel, s);
            Assert.False(FootprintKernel.Reaches(region, kernel, s), $"{s} should not reach");
        }
        Assert.All(values, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        var region = new TileRegion(0, 0, 10, 10, 1);
        var kernel = KernelSpec.Exponential();
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[99], region, kernel, new FieldSource(5, 5, 1, 0)));
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[100], region, kernel, new FieldSource(double.NaN, 5, 1, 0)));
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[100], region, kernel, new FieldSource(5, double.PositiveInfinity, 1, 0)));
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[100], region, kernel, new FieldSource(5, 5, double.NaN, 0)));
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[100], region with { Spacing = 0 }, kernel, new FieldSource(5, 5, 1, 0)));
        Assert.Throws<ArgumentException>(() => FootprintKernel.Accumulate(new double[100], region, kernel with { Kind = (KernelKind)7 }, new FieldSource(5, 5, 1, 0)));
    }

    [Fact]
    public void LargeArgumentsStayFinite()
    {
        // lambda R = 1e3 * 10: exp underflows; the vector exp clamps its argument instead of producing garbage.
        var region = new TileRegion(0, 0, 21, 21, 1);
        var kernel = new KernelSpec(KernelKind.Exponential, 10, 1e3, 3, 1);
        var values = new double[region.Count];
        FootprintKernel.Accumulate(values, region, kernel, new FieldSource(10, 10, 1, 0));
        Assert.Equal(1.0, values[region.Index(10, 10)]);
        Assert.All(values, v => Assert.True(v >= 0 && v <= 1 && double.IsFinite(v)));
        Assert.True(values[region.Index(11, 10)] < 1e-300);

        var gauss = KernelSpec.Gaussian(cutoff: 1e4, sigma: 0.01);
        var g = new double[region.Count];
        FootprintKernel.Accumulate(g, region, gauss, new FieldSource(3, 4, 0.5, 0));
        Assert.Equal(0.5, g[region.Index(3, 4)]);
        Assert.True(g[region.Index(4, 4)] < 1e-300);
    }
}

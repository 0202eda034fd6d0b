using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

public class CompositionTests
{
    /// <summary>The existing app's background, written literally: p = 0.1 t.</summary>
    private static double AppBackground(double x, double y, double t)
    {
        double p = 0.1 * t;
        return 0.1 * (0.25 * Math.Sin(0.2 * x + p) + 0.15 * Math.Cos(0.15 * y + 0.7 * p) + 0.35 * Math.Sin(0.1 * (x + y) + 1.3 * p)
                      + 0.25 * Math.Cos(0.05 * Math.Sqrt(x * x + y * y) + 0.5 * p));
    }

    public static TheoryData<double> Times() => new() { 0, 1, 2.5, 10, 31.4159, 123.456, 1000, 86_400 };

    [Theory]
    [MemberData(nameof(Times))]
    public void ClassicPreset_EqualsAppFormula_AtEverySample(double t)
    {
        Assert.Equal(0.1, BackgroundModes.ClassicPhaseRate);
        for (int j = 0; j < 30; j++)
        for (int i = 0; i < 30; i++)
        {
            double expected = AppBackground(i, j, t);
            Assert.Equal(expected, FrameComposer.Background(i, j, t, BackgroundModes.Classic), 1e-12);
            Assert.Equal(expected, ReferenceField.Background(i, j, t, BackgroundModes.Classic), 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(Times))]
    public void ClassicComposedFrame_EqualsAppFormula(double t)
    {
        var grid = new SampleGrid(30, 30, 1);
        var region = TileRegion.Whole(grid);
        var kernel = KernelSpec.Exponential(cutoff: 10, lambda: 0.1);
        var rnd = new Random((int)t + 3);
        var nodes = FieldTestData.Sources(rnd, region, kernel, 20);
        double g = rnd.NextDouble();
        var composition = new Composition(0.3, g, t, BackgroundModes.Classic, Clamp: true);

        var sum = new double[region.Count];
        FieldComputer.Recompute(sum, region, kernel, nodes.ToArray());
        var frame = new double[region.Count];
        FrameComposer.Compose(sum, frame, region, composition);

        double[] referenceFrame = ReferenceField.Compose(grid, ReferenceField.NodeSum(grid, kernel, nodes), composition);
        for (int j = 0; j < 30; j++)
        for (int i = 0; i < 30; i++)
        {
            // The app: each node adds influence * exp(-0.1 d) within R = 10.
            double nodeSum = 0;
            foreach (var n in nodes)
            {
                double d = Math.Sqrt((i - n.X) * (i - n.X) + (j - n.Y) * (j - n.Y));
                if (d <= 10) nodeSum += n.Strength * Math.Exp(-0.1 * d);
            }
            double app = Math.Clamp(0.3 * g + nodeSum + AppBackground(i, j, t), 0, 1);
            Assert.Equal(app, frame[j * 30 + i], 1e-9);
            Assert.Equal(referenceFrame[j * 30 + i], frame[j * 30 + i], 1e-9);
        }
        Assert.Contains(frame, v => v > 0 && v < 1); // not everything clamped
    }

    private static BackgroundMode RandomMode(Random rnd)
    {
        double Coef() => rnd.Next(3) == 0 ? 0 : (rnd.NextDouble() - 0.5) * 0.6;
        return new BackgroundMode(rnd.Next(2) == 0, rnd.NextDouble() * 0.1, Coef(), Coef(), rnd.Next(2) == 0 ? 0 : Coef(), Coef(), rnd.NextDouble() * 6);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Compose_RandomModesAndRegions_EqualsReference(int seed, bool clamp)
    {
        var rnd = new Random(seed);
        for (int rep = 0; rep < 20; rep++)
        {
            double h = rnd.Next(2) == 0 ? 1 : 0.5;
            var region = new TileRegion(rnd.Next(0, 50), rnd.Next(0, 50), rnd.Next(1, 45), rnd.Next(1, 23), h);
            var modes = Enumerable.Range(0, rnd.Next(0, 7)).Select(_ => RandomMode(rnd)).ToArray();
            var c = new Composition(rnd.NextDouble(), rnd.NextDouble(), rnd.NextDouble() * 500, modes, clamp);
            double[] sum = FieldTestData.RandomValues(rnd, region.Count);
            var frame = new double[region.Count];
            FrameComposer.Compose(sum, frame, region, c);
            double[] expected = ReferenceField.Compose(region, sum, c);
            Assert.True(ReferenceField.MaxAbsDiff(frame, expected) <= 1e-12, $"{region} {modes.Length} modes: {ReferenceField.MaxAbsDiff(frame, expected)}");

            // In place.
            FrameComposer.Compose(sum, sum, region, c);
            Assert.True(ReferenceField.MaxAbsDiff(sum, expected) <= 1e-12);
        }
    }

    [Fact]
    public void Compose_LargeRegion_UsesPooledBuffers_AndMatches()
    {
        var rnd = new Random(77);
        var region = new TileRegion(0, 0, 700, 9, 1); // tables exceed the stack buffer
        var modes = Enumerable.Range(0, 4).Select(_ => RandomMode(rnd) with { Kx = 0.3, Kr = 0 }).ToArray();
        var c = new Composition(0.3, 0.5, 12, modes, false);
        double[] sum = FieldTestData.RandomValues(rnd, region.Count);
        var frame = new double[region.Count];
        FrameComposer.Compose(sum, frame, region, c);
        Assert.True(ReferenceField.MaxAbsDiff(frame, ReferenceField.Compose(region, sum, c)) <= 1e-12);
    }

    [Fact]
    public void Compose_NoBackground_NullArray_AndClamp()
    {
        var region = new TileRegion(0, 0, 5, 2, 1);
        double[] sum = [-1, 0, 0.2, 0.5, 0.69, 0.71, 1, 2, double.MaxValue, -0.3];
        var frame = new double[sum.Length];
        FrameComposer.Compose(sum, frame, region, new Composition(0.3, 1, 0, null!, true));
        Assert.Equal([0, 0.3, 0.5, 0.8, 0.99, 1, 1, 1, 1, 0], frame.Select(v => Math.Round(v, 12)).ToArray());
        FrameComposer.Compose(sum, frame, region, new Composition(0, 0, 0, BackgroundModes.None, false));
        Assert.Equal(sum, frame);
        Assert.Throws<ArgumentException>(() => FrameComposer.Compose(sum.AsSpan(1), frame, region, new Composition(0, 0, 0, [], false)));
        Assert.Throws<ArgumentException>(() => FrameComposer.Compose(sum, frame.AsSpan(1), region, new Composition(0, 0, 0, [], false)));
    }

    [Fact]
    public void BackgroundPresets_ByName()
    {
        Assert.Same(BackgroundModes.Classic, BackgroundModes.ByName("classic"));
        Assert.Empty(BackgroundModes.ByName("none"));
        Assert.Throws<ArgumentException>(() => BackgroundModes.ByName("noise"));
        Assert.Equal(0.0, FrameComposer.Background(3, 4, 5, BackgroundModes.None));
    }
}

public class CompositionPathTests
{
    public delegate void ComposeFn(ReadOnlySpan<double> nodeSum, Span<double> destination, in TileRegion region, in Composition composition);

    public static TheoryData<string> Paths() => new() { "public", "scalar", "vector" };

    private static ComposeFn? Path(string name) => name switch
    {
        "public" => FrameComposer.Compose,
        "scalar" => FrameComposer.ComposeScalar,
        "vector" => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported
            ? FrameComposer.ComposeVector : null,
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Classic_Unclamped_EqualsReference_To1e12(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        var rnd = new Random(5);
        // Whole 30x30 grid, an offset tile with a partial last vector, and a tile far from the origin (larger |c| and x + y).
        foreach (var region in new[] { new TileRegion(0, 0, 30, 30, 1), new TileRegion(13, 7, 7, 5, 0.5), new TileRegion(900, 1300, 9, 3, 1) })
        foreach (double t in new[] { 0, 1, 2.5, 10, 31.4159, 123.456, 1000, 86_400, 1e6, 3.15e7 })
        {
            double[] sum = FieldTestData.RandomValues(rnd, region.Count);
            var c = new Composition(0.3, rnd.NextDouble(), t, BackgroundModes.Classic, Clamp: false);
            var frame = new double[region.Count];
            path(sum, frame, region, c);
            double diff = ReferenceField.MaxAbsDiff(frame, ReferenceField.Compose(region, sum, c));
            // Beyond t ~ 1e5 the reference's own argument rounding (ulp(omega t) ~ 1e-11 at t = 3e7) dominates.
            double tolerance = t <= 1e5 ? 1e-12 : 1e-10;
            Assert.True(diff <= tolerance, $"{pathName} {region} t={t}: {diff}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RandomModes_EqualReference(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        var rnd = new Random(17);
        for (int rep = 0; rep < 200; rep++)
        {
            double h = rnd.Next(3) switch { 0 => 1, 1 => 0.5, _ => 0.25 };
            var region = new TileRegion(rnd.Next(0, 80), rnd.Next(0, 80), rnd.Next(1, 41), rnd.Next(1, 19), h);
            var modes = Enumerable.Range(0, rnd.Next(0, 8)).Select(_ =>
            {
                double Coef() => rnd.Next(3) == 0 ? 0 : (rnd.NextDouble() - 0.5) * 0.8;
                return new BackgroundMode(rnd.Next(2) == 0, rnd.NextDouble() * 0.2, Coef(), Coef(), rnd.Next(2) == 0 ? 0 : Coef(), Coef(), rnd.NextDouble() * 7 - 1);
            }).ToArray();
            var c = new Composition(rnd.NextDouble(), rnd.NextDouble(), rnd.NextDouble() * 2000, modes, rnd.Next(2) == 0);
            double[] sum = FieldTestData.RandomValues(rnd, region.Count);
            var frame = new double[region.Count];
            path(sum, frame, region, c);
            double[] expected = ReferenceField.Compose(region, sum, c);
            Assert.True(ReferenceField.MaxAbsDiff(frame, expected) <= 1e-12, $"{pathName} {region}: {ReferenceField.MaxAbsDiff(frame, expected)}");
            path(sum, sum, region, c); // in place
            Assert.True(ReferenceField.MaxAbsDiff(sum, expected) <= 1e-12);
        }
    }
}

public class FieldMathTrigTests
{
    [Fact]
    public void VectorSinCos_MatchMath_WithinAFewUlp()
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return;
        var rnd = new Random(3);
        double worst = 0;
        for (int k = 0; k < 200_000; k++)
        {
            // Mostly small arguments (the composer's), some up to 1e6, and exact multiples of pi/4 and pi/2.
            double x = (k % 4) switch
            {
                0 => (rnd.NextDouble() - 0.5) * 20,
                1 => (rnd.NextDouble() - 0.5) * 2e3,
                2 => (rnd.NextDouble() - 0.5) * 2e6,
                _ => rnd.Next(-1000, 1000) * Math.PI / 4,
            };
            var v = System.Runtime.Intrinsics.Vector256.Create(x, -x, x * 0.5, x + 1e-9);
            var (s, c) = FieldMath.SinCos(v);
            var s1 = FieldMath.Sin(v);
            for (int lane = 0; lane < 4; lane++)
            {
                double a = v[lane];
                worst = Math.Max(worst, Math.Abs(s[lane] - Math.Sin(a)));
                worst = Math.Max(worst, Math.Abs(c[lane] - Math.Cos(a)));
                Assert.Equal(BitConverter.DoubleToInt64Bits(s[lane]), BitConverter.DoubleToInt64Bits(s1[lane]));
            }
        }
        Assert.True(worst <= 4e-16, $"worst {worst}");
        var nan = FieldMath.SinCos(System.Runtime.Intrinsics.Vector256.Create(double.NaN));
        Assert.True(double.IsNaN(nan.Sin[0]) && double.IsNaN(nan.Cos[0]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(3.0)]
    [InlineData(-3.5)]
    [InlineData(7.0)]
    [InlineData(11232.0)]
    [InlineData(-4321.987)]
    [InlineData(3.15e7)]
    [InlineData(1e14)]
    public void ReduceTurns_KeepsSinAndCos(double x)
    {
        double r = FieldMath.ReduceTurns(x);
        Assert.True(Math.Abs(r) <= Math.PI + 1e-12, $"{r}");
        double tol = 4e-16 * Math.Max(1, Math.Abs(x));
        Assert.Equal(Math.Sin(x), Math.Sin(r), tol);
        Assert.Equal(Math.Cos(x), Math.Cos(r), tol);
    }
}

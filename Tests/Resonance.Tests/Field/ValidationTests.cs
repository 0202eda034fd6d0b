using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

public class ValidationTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(-1.0, 2 * Math.PI - 1.0)]
    [InlineData(2 * Math.PI, 0.0)]
    [InlineData(-2 * Math.PI, 0.0)]
    [InlineData(4 * Math.PI + 0.5, 0.5)]
    [InlineData(-7 * Math.PI, Math.PI)]
    [InlineData(Math.PI, Math.PI)]
    [InlineData(-Math.PI, Math.PI)]
    [InlineData(1000.0, 1000.0 - 159 * 2 * Math.PI)]
    public void PhaseNormalize_MapsIntoRange(double input, double expected)
    {
        double r = Phase.Normalize(input);
        Assert.InRange(r, 0.0, Phase.TwoPi);
        Assert.True(r < Phase.TwoPi);
        Assert.Equal(expected, r, 1e-9);
    }

    [Fact]
    public void PhaseNormalize_EdgeCases()
    {
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(Phase.Normalize(-0.0))); // +0, not -0
        double tiny = -1e-300;
        double r = Phase.Normalize(tiny);
        Assert.True(r >= 0 && r < Phase.TwoPi, $"{r}");
        double justBelow = Math.BitDecrement(Phase.TwoPi);
        Assert.True(Phase.Normalize(justBelow) < Phase.TwoPi);
        Assert.True(Phase.Normalize(-justBelow) >= 0);
        var rnd = new Random(1);
        for (int k = 0; k < 10_000; k++)
        {
            double x = (rnd.NextDouble() - 0.5) * Math.Pow(10, rnd.Next(-5, 12));
            double n = Phase.Normalize(x);
            Assert.True(n >= 0 && n < Phase.TwoPi, $"{x} -> {n}");
            Assert.Equal(Math.Cos(x), Math.Cos(n), 1e-9 * Math.Max(1, Math.Abs(x)));
        }
    }

    public static TheoryData<double, double, double> BadGrids() => new()
    {
        { double.NaN, 30, 1 }, { 30, double.NaN, 1 }, { 30, 30, double.NaN },
        { double.PositiveInfinity, 30, 1 }, { 30, double.NegativeInfinity, 1 }, { 30, 30, double.PositiveInfinity },
        { -30, 30, 1 }, { 30, -30, 1 }, { 30, 30, -1 }, { 30, 30, 0 }, { 0, 30, 1 },
        { 30, 30, 0.7 },                 // not a whole number of samples
        { 20_000, 30, 1 },               // too many samples per axis
        { 0.4, 30, 1 },                  // fewer than one sample
    };

    [Theory]
    [MemberData(nameof(BadGrids))]
    public void SampleGrid_Rejects(double w, double h, double spacing)
        => Assert.Throws<ArgumentException>(() => new SampleGrid(w, h, spacing).Validate());

    [Fact]
    public void SampleGrid_Accepts_AndCounts()
    {
        var g = new SampleGrid(30, 30, 1);
        g.Validate();
        Assert.Equal((30, 30, 900L), (g.Columns, g.Rows, g.SampleCount));
        var fine = new SampleGrid(30, 20, 0.5);
        fine.Validate();
        Assert.Equal((60, 40), (fine.Columns, fine.Rows));
        var third = new SampleGrid(1, 1, 0.1); // 1/0.1 = 9.999999999999998
        third.Validate();
        Assert.Equal(10, third.Columns);
        new SampleGrid(16384, 16384, 1).Validate();
        Assert.Equal(new TileRegion(0, 0, 60, 40, 0.5), TileRegion.Whole(fine));
    }

    public static TheoryData<KernelSpec> BadKernels() => new()
    {
        KernelSpec.Exponential() with { Cutoff = double.NaN },
        KernelSpec.Exponential() with { Cutoff = double.PositiveInfinity },
        KernelSpec.Exponential() with { Cutoff = -1 },
        KernelSpec.Exponential() with { Cutoff = 0 },
        KernelSpec.Exponential() with { Lambda = double.NaN },
        KernelSpec.Exponential() with { Lambda = -0.1 },
        KernelSpec.Exponential() with { Lambda = double.PositiveInfinity },
        KernelSpec.Gaussian() with { Sigma = double.NaN },
        KernelSpec.Gaussian() with { Sigma = 0 },
        KernelSpec.Gaussian() with { Sigma = -3 },
        KernelSpec.Harmonic() with { WaveNumber = double.NaN },
        KernelSpec.Harmonic() with { WaveNumber = double.NegativeInfinity },
        KernelSpec.Exponential() with { Kind = (KernelKind)9 },
    };

    [Theory]
    [MemberData(nameof(BadKernels))]
    public void KernelSpec_Rejects(KernelSpec kernel) => Assert.Throws<ArgumentException>(kernel.Validate);

    [Fact]
    public void KernelSpec_Evaluate()
    {
        KernelSpec.Exponential().Validate();
        KernelSpec.Gaussian().Validate();
        KernelSpec.Harmonic().Validate();
        Assert.Equal(Math.Exp(-0.5), KernelSpec.Exponential().Evaluate(5, 0));
        Assert.Equal(Math.Exp(-25.0 / 18), KernelSpec.Gaussian().Evaluate(5, 0), 1e-15);
        Assert.Equal(Math.Exp(-0.5) * Math.Cos(5 - 1.2), KernelSpec.Harmonic().Evaluate(5, 1.2), 1e-15);
        Assert.Equal(0.0, KernelSpec.Exponential().Evaluate(10.000001, 0));
        Assert.Equal(Math.Exp(-1.0), KernelSpec.Exponential().Evaluate(10, 0));
    }

    [Fact]
    public void TileRegion_Geometry()
    {
        var r = new TileRegion(10, 20, 5, 4, 0.5);
        Assert.Equal(20, r.Count);
        Assert.Equal(0, r.Index(10, 20));
        Assert.Equal(5 * 3 + 4, r.Index(14, 23));
        Assert.True(r.Contains(14, 23));
        Assert.False(r.Contains(15, 23));
        Assert.False(r.Contains(10, 24));
        Assert.Equal(0.0, r.DistanceSquaredTo(6, 11));  // inside [5, 7] x [10, 11.5]
        Assert.Equal(1.0, r.DistanceSquaredTo(4, 11));
        Assert.Equal(25.0, r.DistanceSquaredTo(10, 15.5)); // (3, 4) from the corner (7, 11.5)
    }
}

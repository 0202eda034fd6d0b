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

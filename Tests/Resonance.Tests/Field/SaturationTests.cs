using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Xunit;

namespace Resonance.Tests.Field;

/// <summary>The per-space saturation: soft is 1 - e^(-x) of the unclamped sum, clamp is today's clamp, bad names are refused.</summary>
public class SaturationTests
{
    public static TheoryData<string> Paths() => new() { "public", "scalar", "vector" };

    private static CompositionPathTests.ComposeFn? Path(string name) => name switch
    {
        "public" => FrameComposer.Compose,
        "scalar" => FrameComposer.ComposeScalar,
        "vector" => Vector256.IsHardwareAccelerated && Fma.IsSupported ? FrameComposer.ComposeVector : null,
        _ => throw new ArgumentException(name),
    };

    /// <summary>A crowd: 60 participants of amplitude 0.5..1 packed into the middle of the app's 30 x 30 space.</summary>
    private static (SampleGrid Grid, KernelSpec Kernel, double[] NodeSum, double[] FastSum) Crowd(int seed)
    {
        var grid = new SampleGrid(30, 30, 1);
        var kernel = KernelSpec.Exponential(cutoff: 10, lambda: 0.1);
        var rnd = new Random(seed);
        var nodes = Enumerable.Range(0, 60)
            .Select(_ => new FieldSource(10 + rnd.NextDouble() * 10, 10 + rnd.NextDouble() * 10, 0.5 + rnd.NextDouble() * 0.5, rnd.NextDouble() * 6))
            .ToArray();
        var region = TileRegion.Whole(grid);
        var fast = new double[region.Count];
        FieldComputer.Recompute(fast, region, kernel, nodes);
        return (grid, kernel, ReferenceField.NodeSum(grid, kernel, nodes), fast);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Soft_equals_one_minus_exp_of_the_unclamped_reference_sum(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        foreach (int seed in new[] { 1, 2, 3 })
        foreach (double t in new[] { 0, 7.5, 1234.5 })
        {
            var (grid, _, referenceSum, fastSum) = Crowd(seed);
            var region = TileRegion.Whole(grid);
            double g = 0.75;
            var raw = ReferenceField.Compose(grid, referenceSum, new Composition(0.3, g, t, BackgroundModes.Classic, FieldSaturation.None));
            var frame = new double[region.Count];
            path(fastSum, frame, region, new Composition(0.3, g, t, BackgroundModes.Classic, FieldSaturation.Soft));
            for (int k = 0; k < frame.Length; k++)
                Assert.True(Math.Abs(frame[k] - (1 - Math.Exp(-Math.Max(raw[k], 0)))) <= 1e-12, $"{pathName} seed {seed} t {t} sample {k}: {frame[k]} vs raw {raw[k]}");

            // The point of the option: where the clamp is flat at 1 over much of the crowd, soft still orders the samples.
            var clamped = new double[region.Count];
            path(fastSum, clamped, region, new Composition(0.3, g, t, BackgroundModes.Classic, FieldSaturation.Clamp));
            int flat = clamped.Count(v => v == 1.0);
            Assert.True(flat >= frame.Length / 4, $"the crowd saturates the clamp at only {flat} samples");
            Assert.All(frame, v => Assert.InRange(v, 0, 1));
            var softAtFlat = Enumerable.Range(0, frame.Length).Where(k => clamped[k] == 1.0).Select(k => frame[k]).ToArray();
            Assert.True(softAtFlat.Max() - softAtFlat.Min() > 1e-3, "soft values where the clamp is flat still vary");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Clamp_is_unchanged_and_negative_sums_saturate_to_zero(string pathName)
    {
        var path = Path(pathName);
        if (path is null) return;
        var region = new TileRegion(3, 4, 7, 3, 0.5);
        double[] sum = [-50, -1, -1e-9, 0, 1e-9, 0.01, 0.1, 0.2, 0.5, 0.7, 1, 1.5, 2, 5, 10, 36, 40, 700, 800, -0.3, 0.125];
        var soft = new double[sum.Length];
        var clamp = new double[sum.Length];
        path(sum, soft, region, new Composition(0, 0, 0, BackgroundModes.None, FieldSaturation.Soft));
        path(sum, clamp, region, new Composition(0, 0, 0, BackgroundModes.None, Clamp: true));
        for (int k = 0; k < sum.Length; k++)
        {
            Assert.Equal(Math.Min(1, Math.Max(0, sum[k])), clamp[k]);
            double expected = sum[k] <= 0 ? 0 : 1 - Math.Exp(-sum[k]);
            Assert.True(Math.Abs(soft[k] - expected) <= 1e-15, $"{pathName} soft({sum[k]}) = {soft[k]}, expected {expected}");
        }
        // The bool form and the enum form are the same composition.
        Assert.Equal(new Composition(1, 2, 3, [], FieldSaturation.Clamp), new Composition(1, 2, 3, [], Clamp: true));
        Assert.Equal(new Composition(1, 2, 3, [], FieldSaturation.None), new Composition(1, 2, 3, [], Clamp: false));
    }

    [Fact]
    public void Space_option_parses_defaults_to_clamp_and_refuses_unknown_names()
    {
        Assert.Equal("clamp", new SpaceConfig().Saturation);
        Assert.Equal(FieldSaturation.Clamp, SpaceGeometry.Create(new SpaceConfig()).Composition(0.5, 1).Saturation);
        Assert.Equal(FieldSaturation.Soft, SpaceGeometry.Create(new SpaceConfig { Saturation = "soft" }).Composition(0.5, 1).Saturation);
        // Clamp = false leaves the field raw whatever the saturation.
        Assert.Equal(FieldSaturation.None, SpaceGeometry.Create(new SpaceConfig { Saturation = "soft", Clamp = false }).Saturation);
        // A configuration stored before the option existed.
        Assert.Equal(FieldSaturation.Clamp, SpaceGeometry.Create(new SpaceConfig { Saturation = null! }).Saturation);
        foreach (var bad in new[] { "", "Soft", "hard", "none", "tanh" })
        {
            var e = Assert.Throws<ArgumentException>(() => SpaceGeometry.Create(new SpaceConfig { Saturation = bad }));
            Assert.Contains("saturation", e.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("clamp, soft", e.Message);
        }
    }
}

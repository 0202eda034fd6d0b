using Xunit.Abstractions;
using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

/// <summary>PLV detection on synthetic phase streams (10 Hz ticks, W = 20, ratios 1:1, 2:1, 3:2, form 0.9, break 0.7).</summary>
public sealed class PhaseLockingTests(ITestOutputHelper output)
{
    private static readonly PhaseLocking Defaults = new EntanglementSettings().Compile();

    [Theory]
    [InlineData(1.0, 0.8, 1)]
    [InlineData(0.37, 2.5, 2)]
    [InlineData(3.3, 4.0, 3)]
    public void Same_frequency_with_a_constant_offset_and_bounded_noise_locks_within_the_window(double hz, double offset, int seed)
    {
        var random = new Random(seed);
        var noise = PhaseStreams.Uniform(random, 0.3);
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(hz, 0, noise), PhaseStreams.Oscillator(hz, offset, noise), 400);

        int first = track.FindIndex(t => t.Locked);
        output.WriteLine($"locked at tick {first}; PLV min after {track.Skip(Defaults.Window).Min(t => t.Plv):F3}");
        Assert.Equal(Defaults.Window - 1, first); // the first full window already locks
        Assert.All(track.Skip(first), t => Assert.True(t.Locked));
        Assert.All(track.Skip(first), t => Assert.Equal("1:1", t.Ratio));
    }

    [Theory]
    [InlineData(1.0, 1.73)]
    [InlineData(0.5, 1.37)]
    [InlineData(2.0, 0.71)]
    [InlineData(1.0, 1.27)]
    public void Unrelated_frequencies_never_lock(double hzA, double hzB)
    {
        var random = new Random(7);
        var noise = PhaseStreams.Uniform(random, 0.3);
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(hzA, 0, noise), PhaseStreams.Oscillator(hzB, 1, noise), 2000);

        double max = track.Where(t => !double.IsNaN(t.Plv)).Max(t => t.Plv);
        output.WriteLine($"{hzA} Hz vs {hzB} Hz: highest PLV over any window {max:F3}");
        Assert.DoesNotContain(track, t => t.Locked);
    }

    [Theory]
    [InlineData(2.2, 1.1)]
    [InlineData(0.6, 1.2)]
    public void A_two_to_one_pair_is_found_as_2_1(double hzA, double hzB)
    {
        var random = new Random(3);
        var noise = PhaseStreams.Uniform(random, 0.2);
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(hzA, 0.4, noise), PhaseStreams.Oscillator(hzB, 2.0, noise), 300);

        int first = track.FindIndex(t => t.Locked);
        Assert.Equal(Defaults.Window - 1, first);
        Assert.All(track.Skip(first), t => Assert.Equal("2:1", t.Ratio));

        // And the 1:1 reading of the same streams is far from locked: the 2:1 lock is not a 1:1 lock in disguise.
        var a = Defaults.NewHistory();
        var b = Defaults.NewHistory();
        var sa = PhaseStreams.Oscillator(hzA, 0.4);
        var sb = PhaseStreams.Oscillator(hzB, 2.0);
        for (long k = 100; k < 120; k++)
        {
            a.Record(k, Grains.Field.Phase.Normalize(sa(k)), true);
            b.Record(k, Grains.Field.Phase.Normalize(sb(k)), true);
        }
        Assert.True(PhaseLocking.Plv(a, 1, b, 1) < 0.5);
    }

    [Fact]
    public void A_three_to_two_pair_is_found_as_3_2()
    {
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(1.5, 0), PhaseStreams.Oscillator(1.0, 1), 100);
        Assert.Equal("3:2", track[^1].Ratio);
        Assert.True(track[^1].Locked);
    }

    [Fact]
    public void Noise_around_the_form_threshold_does_not_flap()
    {
        // Gaussian phase noise with sigma 0.46 puts the expected PLV at exp(-sigma^2 / 2) ~ 0.9: the windows straddle the
        // form threshold all the time, but never come down to the break threshold.
        var random = new Random(11);
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(1.0, 0, PhaseStreams.Gaussian(random, 0.46)), PhaseStreams.Oscillator(1.0, 0.5), 3000);
        var plvs = track.Where(t => !double.IsNaN(t.Plv)).Select(t => t.Plv).ToList();

        int naiveFlips = 0;
        for (int k = 1; k < plvs.Count; k++)
            if (plvs[k] >= 0.9 != plvs[k - 1] >= 0.9) naiveFlips++;
        int flips = 0;
        for (int k = 1; k < track.Count; k++)
            if (track[k].Locked != track[k - 1].Locked) flips++;
        output.WriteLine($"PLV {plvs.Min():F3}..{plvs.Max():F3}; single threshold would flip {naiveFlips} times, hysteresis flips {flips}");

        Assert.True(naiveFlips >= 20, $"the stream should straddle the form threshold (flips {naiveFlips})");
        Assert.True(plvs.Min() >= Defaults.BreakThreshold);
        Assert.Equal(1, flips); // formed once, never broken
    }

    [Fact]
    public void A_formed_pair_breaks_below_the_break_threshold_and_reforms_only_at_the_form_threshold()
    {
        Assert.True(Defaults.NextLocked(false, 0.9));
        Assert.False(Defaults.NextLocked(false, 0.89));
        Assert.True(Defaults.NextLocked(true, 0.7));
        Assert.False(Defaults.NextLocked(true, 0.69));

        // Locked, then B drifts to another frequency: the pair breaks within a window.
        var track = PhaseStreams.Track(Defaults, PhaseStreams.Oscillator(1.0, 0), k => k < 100 ? 2 * Math.PI * 1.0 * k / 10 : 2 * Math.PI * (1.0 * 100 + 1.7 * (k - 100)) / 10, 200);
        Assert.True(track[99].Locked);
        int broke = track.FindIndex(100, t => !t.Locked);
        Assert.InRange(broke, 100, 100 + Defaults.Window);
    }

    [Fact]
    public void Held_constant_phases_are_not_a_stream()
    {
        // Two participants that sent one phase each and then only kept alive: their held phases are trivially "locked",
        // but with no fresh samples there is no evidence, so the PLV reads 0.
        var a = Defaults.NewHistory();
        var b = Defaults.NewHistory();
        for (long k = 0; k < 40; k++)
        {
            a.Record(k, 0.1, fresh: k == 0);
            b.Record(k, 0.2, fresh: k == 0);
        }
        Assert.Equal(0, Defaults.Best(a, b).Plv);
        Assert.Equal(1, PhaseLocking.Plv(a, 1, b, 1), 12);
    }

    [Fact]
    public void Settings_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new EntanglementSettings { Window = 1 }.Compile());
        Assert.Throws<ArgumentException>(() => new EntanglementSettings { FormThreshold = 0.6 }.Compile());
        Assert.Throws<ArgumentException>(() => new EntanglementSettings { Ratios = "2:4" }.Compile());
        Assert.Throws<ArgumentException>(() => new EntanglementSettings { Ratios = "1:2" }.Compile());
        Assert.Throws<ArgumentException>(() => new EntanglementSettings { Ratios = "" }.Compile());
        var custom = new EntanglementSettings { Window = 40, Ratios = "1:1, 5:4", FormThreshold = 0.95, BreakThreshold = 0.5 }.Compile();
        Assert.Equal([new HarmonicRatio(1, 1), new HarmonicRatio(5, 4)], custom.Ratios);
        Assert.Equal(5, custom.Powers);
    }
}

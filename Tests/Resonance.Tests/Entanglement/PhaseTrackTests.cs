using Resonance.Grains.Cells;
using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

/// <summary>
/// A participant's kept fresh samples, built into a full history at any tick, must give exactly the history written
/// at every tick (the cell's lock detection reads one or the other depending on whether it could be a candidate).
/// </summary>
public sealed class PhaseTrackTests
{
    private const int Window = 8, Powers = 3;

    [Theory]
    [InlineData(0.05, 1)]   // slow streams, with pauses longer than the window
    [InlineData(0.3, 2)]
    [InlineData(0.9, 3)]    // nearly every tick
    public void A_history_built_from_kept_samples_equals_one_written_every_tick(double freshPerTick, int seed)
    {
        var random = new Random(seed);
        const int ticks = 120;
        var fresh = new bool[ticks];
        var phases = new double[ticks];
        var steps = new double[ticks];
        fresh[0] = true; // a participant is first seen with a fresh sample
        for (int t = 0; t < ticks; t++)
        {
            // A pause of more than a window now and then.
            if (t > 0) fresh[t] = (t / 25) % 3 != 1 && random.NextDouble() < freshPerTick;
            phases[t] = random.NextDouble() * 6.28;
            steps[t] = 0.1 + random.NextDouble();
        }

        var everyTick = new PhaseHistory(Window, Powers);
        double step = 0;
        int checkedTicks = 0;
        for (int t = 0; t < ticks; t++)
        {
            if (fresh[t]) step = steps[t];
            everyTick.Record(t, phases[t], fresh[t], step);

            // A track fed the fresh samples up to t, then built into a history at t.
            var track = new PhaseTrack();
            double lastStep = 0;
            for (int k = 0; k <= t; k++)
            {
                if (!fresh[k]) continue;
                track.Keep(k - 1, k, phases[k], steps[k], Window);
                lastStep = steps[k];
            }
            var built = track.Materialize(new PhaseHistory(Window, Powers));
            if (!fresh[t])
            {
                built.HoldThrough(t - 1);
                built.Record(t, 99, fresh: false, lastStep);
            }

            Assert.Equal((everyTick.Count, everyTick.FreshCount, everyTick.LastTick, everyTick.LastPhase),
                (built.Count, built.FreshCount, built.LastTick, built.LastPhase));
            for (int p = 1; p <= Powers; p++)
            {
                Assert.True(everyTick.Re(p).SequenceEqual(built.Re(p)), $"tick {t}, cos power {p}");
                Assert.True(everyTick.Im(p).SequenceEqual(built.Im(p)), $"tick {t}, sin power {p}");
            }
            int freshInWindow = 0;
            for (int k = Math.Max(0, t - Window + 1); k <= t; k++) if (fresh[k]) freshInWindow++;
            Assert.Equal(freshInWindow, everyTick.FreshCount);
            checkedTicks++;
        }
        Assert.Equal(ticks, checkedTicks);
    }

    [Fact]
    public void Only_the_samples_a_later_window_can_reach_are_kept()
    {
        var track = new PhaseTrack();
        for (long t = 0; t < 100; t += 3) track.Keep(t - 1, t, 1.0, 0.2, Window);
        // Samples every 3 ticks: at most the ones in the window plus the one before it.
        Assert.Equal(3, track.FreshWithin(99, Window));
        Assert.Equal(4, track.Kept); // 93, 96, 99 and 90, from which the window's first held samples start
        var built = track.Materialize(new PhaseHistory(Window, Powers));
        Assert.Equal(Window, built.Count);
        Assert.Same(built, track.History);
    }
}

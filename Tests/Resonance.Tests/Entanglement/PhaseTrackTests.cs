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
        const int samples = 160;
        // The cell's sampled ticks: consecutive, with now and then a jump of more than a window (a stalled timer), where
        // a written history starts over.
        var ticks = new long[samples];
        var fresh = new bool[samples];
        var phases = new double[samples];
        var steps = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            ticks[i] = i == 0 ? 0 : ticks[i - 1] + (i % 37 == 0 ? Window + 3 : 1);
            fresh[i] = i == 0 || ((i / 25) % 3 != 1 && random.NextDouble() < freshPerTick); // first seen fresh
            phases[i] = random.NextDouble() * 6.28;
            steps[i] = 0.1 + random.NextDouble();
        }

        // Written at every sampled tick, as the cell did before: a tick with nothing new passes the node's reported phase.
        var everyTick = new PhaseHistory(Window, Powers);
        double step = 0, reported = 0;
        for (int i = 0; i < samples; i++)
        {
            if (fresh[i]) (step, reported) = (steps[i], phases[i]);
            everyTick.Record(ticks[i], reported, fresh[i], step);

            // The same stream seen by a track up to this tick (the detector's bookkeeping), then built into a history.
            var track = new PhaseTrack();
            long previous = long.MinValue, restart = long.MinValue;
            double lastStep = 0, lastPhase = 0;
            for (int k = 0; k <= i; k++)
            {
                if (fresh[k])
                {
                    track.Keep(previous, restart, ticks[k], phases[k], steps[k], Window);
                    (lastStep, lastPhase) = (steps[k], phases[k]);
                }
                if (k < i)
                {
                    if (previous != long.MinValue && ticks[k] - previous - 1 >= Window) restart = ticks[k];
                    previous = ticks[k];
                }
            }
            var built = track.Materialize(new PhaseHistory(Window, Powers));
            if (!fresh[i])
            {
                built.HoldThrough(previous, restart);
                built.Record(ticks[i], lastPhase, fresh: false, lastStep);
            }

            Assert.Equal((everyTick.Count, everyTick.FreshCount, everyTick.LastTick, everyTick.LastPhase),
                (built.Count, built.FreshCount, built.LastTick, built.LastPhase));
            // The slots of the samples held (after a start over, the others keep what was there before).
            for (long k = built.LastTick - built.Count + 1; k <= built.LastTick; k++)
            {
                int slot = (int)(k % Window);
                for (int p = 1; p <= Powers; p++)
                {
                    Assert.True(everyTick.Re(p)[slot] == built.Re(p)[slot], $"tick {ticks[i]}, sample {k}, cos power {p}");
                    Assert.True(everyTick.Im(p)[slot] == built.Im(p)[slot], $"tick {ticks[i]}, sample {k}, sin power {p}");
                }
            }
        }
    }

    [Fact]
    public void Only_the_samples_a_later_window_can_reach_are_kept()
    {
        var track = new PhaseTrack();
        for (long t = 0; t < 100; t += 3) track.Keep(t - 1, long.MinValue, t, 1.0, 0.2, Window);
        // Samples every 3 ticks: at most the ones in the window plus the one before it.
        Assert.Equal(3, track.FreshWithin(99, Window));
        Assert.Equal(4, track.Kept); // 93, 96, 99 and 90, from which the window's first held samples start
        var built = track.Materialize(new PhaseHistory(Window, Powers));
        Assert.Equal(Window, built.Count);
        Assert.Same(built, track.History);
    }
}

using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

public sealed class PhaseHistoryTests
{
    [Fact]
    public void Skipped_ticks_hold_the_last_phase_and_are_not_fresh()
    {
        var h = new PhaseHistory(5, 1);
        h.Record(10, 1.0, true);
        h.Record(13, 2.0, true);
        Assert.Equal(4, h.Count);
        Assert.Equal(2, h.FreshCount);
        Assert.Equal(13, h.LastTick);
        var reference = new PhaseHistory(5, 1);
        foreach (var (k, phi) in new[] { (10L, 1.0), (11L, 1.0), (12L, 1.0), (13L, 2.0) }) reference.Record(k, phi, true);
        h.Record(14, 0.5, true);
        reference.Record(14, 0.5, true);
        Assert.Equal(1, PhaseLocking.Plv(h, 1, reference, 1), 12);
    }

    [Theory]
    [InlineData(3, 2)]    // a short gap into a history that is not full yet
    [InlineData(6, 9)]    // a gap longer than the window, from a full history
    [InlineData(2, 8)]    // exactly a window, from a history that is not full
    [InlineData(8, 8)]
    [InlineData(1, 31)]   // many windows
    public void Holding_through_a_gap_leaves_the_history_exactly_as_recording_every_tick_does(int recorded, int gap)
    {
        const int window = 8, powers = 3;
        const double advance = 0.37;
        var everyTick = new PhaseHistory(window, powers);
        var caughtUp = new PhaseHistory(window, powers);
        var random = new Random(recorded * 100 + gap);
        double step = advance;
        for (long k = 0; k < recorded; k++)
        {
            double phi = random.NextDouble() * 6;
            step = advance + 0.05 * k; // the participant's frequency changes with its samples
            everyTick.Record(k, phi, fresh: k % 3 != 1, step);
            caughtUp.Record(k, phi, fresh: k % 3 != 1, step);
        }
        long last = recorded - 1 + gap;
        // Each skipped tick's own call would have passed the step of the state it holds: the last one given.
        for (long k = recorded; k <= last; k++) everyTick.Record(k, 99, fresh: false, step);
        caughtUp.HoldThrough(last);

        Assert.Equal((everyTick.Count, everyTick.FreshCount, everyTick.LastTick, everyTick.LastPhase),
            (caughtUp.Count, caughtUp.FreshCount, caughtUp.LastTick, caughtUp.LastPhase));
        for (int p = 1; p <= powers; p++)
        {
            Assert.True(everyTick.Re(p).SequenceEqual(caughtUp.Re(p)), $"cos, power {p}");
            Assert.True(everyTick.Im(p).SequenceEqual(caughtUp.Im(p)), $"sin, power {p}");
        }
        // And both go on alike with a fresh sample.
        everyTick.Record(last + 1, 1.5, fresh: true, advance);
        caughtUp.Record(last + 1, 1.5, fresh: true, advance);
        Assert.Equal((everyTick.Count, everyTick.FreshCount), (caughtUp.Count, caughtUp.FreshCount));
        Assert.True(everyTick.Re(1).SequenceEqual(caughtUp.Re(1)));
    }

    [Fact]
    public void Holding_through_a_restart_starts_over_there_as_recording_every_tick_does()
    {
        const int window = 6;
        var everyTick = new PhaseHistory(window, 2);
        var caughtUp = new PhaseHistory(window, 2);
        everyTick.Record(0, 1.0, true, 0.3);
        caughtUp.Record(0, 1.0, true, 0.3);
        // The writer's ticks: 1, 2, then a jump to 12 (a stalled timer), then 13, 14; nothing new arrives.
        foreach (long k in new long[] { 1, 2, 12, 13, 14 }) everyTick.Record(k, 1.0, false, 0.3);
        caughtUp.HoldThrough(14, restartTick: 12);
        Assert.Equal((everyTick.Count, everyTick.FreshCount, everyTick.LastTick, everyTick.LastPhase),
            (caughtUp.Count, caughtUp.FreshCount, caughtUp.LastTick, caughtUp.LastPhase));
        Assert.Equal(3, caughtUp.Count); // started over at 12
        Assert.True(everyTick.Re(2).SequenceEqual(caughtUp.Re(2)));
        Assert.True(everyTick.Im(1).SequenceEqual(caughtUp.Im(1)));
    }

    [Fact]
    public void A_very_long_hold_moves_the_phase_in_one_step_equal_to_rounding()
    {
        const int window = 8;
        var everyTick = new PhaseHistory(window, 3);
        var caughtUp = new PhaseHistory(window, 3);
        everyTick.Record(0, 2.0, true, 0.731);
        caughtUp.Record(0, 2.0, true, 0.731);
        long last = 10 * PhaseHistory.ExactSkipLimit;
        for (long k = 1; k <= last; k++) everyTick.Record(k, 2.0, false, 0.731);
        caughtUp.HoldThrough(last);
        Assert.Equal((everyTick.Count, everyTick.FreshCount, everyTick.LastTick), (caughtUp.Count, caughtUp.FreshCount, caughtUp.LastTick));
        Assert.Equal(everyTick.LastPhase, caughtUp.LastPhase, 1e-9);
        for (int p = 1; p <= 3; p++)
            for (int k = 0; k < window; k++)
            {
                Assert.Equal(everyTick.Re(p)[k], caughtUp.Re(p)[k], 1e-9);
                Assert.Equal(everyTick.Im(p)[k], caughtUp.Im(p)[k], 1e-9);
            }
    }

    [Fact]
    public void Holding_through_does_nothing_on_an_empty_history_or_a_past_tick()
    {
        var h = new PhaseHistory(4, 1);
        h.HoldThrough(10);
        Assert.Equal(0, h.Count);
        h.Record(10, 1.0, true, 0.5);
        h.HoldThrough(9);
        h.HoldThrough(10);
        Assert.Equal((1, 1, 10L, 1.0), (h.Count, h.FreshCount, h.LastTick, h.LastPhase));
    }

    [Fact]
    public void Held_and_skipped_ticks_advance_the_last_phase_by_the_given_step()
    {
        var h = new PhaseHistory(6, 1);
        h.Record(0, 1.0, true, advance: 0.25);
        h.Record(1, 9.9, false, advance: 0.25); // not fresh: the phase passed is the stale one and is not used
        h.Record(3, 2.0, true, advance: 0.25); // tick 2 skipped: 1.5
        h.Record(4, 2.0, false, advance: 0.25);
        Assert.Equal((5, 2, 4L), (h.Count, h.FreshCount, h.LastTick));
        Assert.Equal(2.25, h.LastPhase, 12);
        var reference = new PhaseHistory(6, 1);
        foreach (var (k, phi) in new[] { (0L, 1.0), (1L, 1.25), (2L, 1.5), (3L, 2.0), (4L, 2.25), (5L, 0.0) }) reference.Record(k, phi, true);
        h.Record(5, 0.0, true, advance: 0.25);
        Assert.Equal(1, PhaseLocking.Plv(h, 1, reference, 1), 12);
    }

    [Fact]
    public void A_second_sample_of_the_same_tick_replaces_the_first_and_old_ticks_are_ignored()
    {
        var h = new PhaseHistory(3, 2);
        h.Record(5, 1.0, false);
        h.Record(5, 2.0, true);
        h.Record(4, 3.0, true);
        Assert.Equal((1, 1, 5L, 2.0), (h.Count, h.FreshCount, h.LastTick, h.LastPhase));
    }

    [Fact]
    public void A_gap_of_a_whole_window_starts_over()
    {
        var h = new PhaseHistory(4, 1);
        for (long k = 0; k < 4; k++) h.Record(k, k, true);
        Assert.True(h.IsCompleteAt(3));
        h.Record(9, 1, true);
        Assert.Equal((1, 1), (h.Count, h.FreshCount));
        Assert.False(h.IsCompleteAt(9));
    }

    [Fact]
    public void The_window_slides_and_fresh_counts_follow()
    {
        var h = new PhaseHistory(4, 1);
        for (long k = 0; k < 10; k++) h.Record(k, 0.3 * k, fresh: k % 2 == 0);
        Assert.Equal(4, h.Count);
        Assert.Equal(2, h.FreshCount);
        Assert.True(h.IsCompleteAt(9));
        Assert.False(h.IsCompleteAt(10));
    }

    [Fact]
    public void Powers_are_e_to_the_i_p_phi()
    {
        var locking = new PhaseLocking(8, [new HarmonicRatio(3, 2)], 0.9, 0.7, 0);
        var random = new Random(5);
        var a = locking.NewHistory();
        var b = locking.NewHistory();
        var pa = new double[8];
        var pb = new double[8];
        for (int k = 0; k < 8; k++)
        {
            pa[k] = random.NextDouble() * 2 * Math.PI;
            pb[k] = random.NextDouble() * 2 * Math.PI;
            a.Record(k, pa[k], true);
            b.Record(k, pb[k], true);
        }
        // Reference: |mean e^{i (2 phi_a - 3 phi_b)}| straight from the angles.
        double re = 0, im = 0;
        for (int k = 0; k < 8; k++)
        {
            re += Math.Cos(2 * pa[k] - 3 * pb[k]);
            im += Math.Sin(2 * pa[k] - 3 * pb[k]);
        }
        Assert.Equal(Math.Sqrt(re * re + im * im) / 8, PhaseLocking.Plv(a, 2, b, 3), 12);
    }
}

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

using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

/// <summary>The broadcasts a session takes while its ping is unanswered: fewer and fewer, and all of them once it answers.</summary>
public sealed class UnansweredBackoffTests
{
    // The indexes (0-based) of the broadcasts taken out of the next n.
    private static List<int> Taken(ref UnansweredBackoff backoff, bool degraded, int n, int first, int max)
    {
        var taken = new List<int>();
        for (int i = 0; i < n; i++)
            if (backoff.Take(degraded, first, max)) taken.Add(i);
        return taken;
    }

    private static List<int> Gaps(List<int> taken) => taken.Zip(taken.Skip(1), (a, b) => b - a).ToList();

    [Fact]
    public void A_session_that_answers_takes_every_broadcast()
    {
        var backoff = new UnansweredBackoff();
        Assert.Equal(Enumerable.Range(0, 50), Taken(ref backoff, degraded: false, 50, first: 10, max: 100));
        Assert.Equal(1, backoff.Gap);
    }

    [Fact]
    public void While_unanswered_the_gap_doubles_from_the_first_up_to_the_most()
    {
        for (int run = 0; run < 20; run++)
        {
            var backoff = new UnansweredBackoff();
            var taken = Taken(ref backoff, degraded: true, 1000, first: 10, max: 100);
            Assert.InRange(taken[0], 0, 9);
            Assert.Equal([10, 20, 40, 80, 100, 100, 100, 100, 100, 100], Gaps(taken).Take(10));
            Assert.All(Gaps(taken).Skip(4), g => Assert.Equal(100, g));
            Assert.Equal(100, backoff.Gap);
        }
    }

    [Fact]
    public void The_gap_for_pacing_is_the_first_gap_from_the_moment_of_degrading_then_follows_the_doubling()
    {
        var backoff = new UnansweredBackoff();
        Assert.Equal(1, backoff.GapFor(degraded: false, first: 10));
        // Degraded but nothing taken yet: the pacing must already use the first gap, not the answering session's 1.
        Assert.Equal(10, backoff.GapFor(degraded: true, first: 10));

        var taken = Taken(ref backoff, degraded: true, 200, first: 10, max: 100);
        Assert.Equal(backoff.Gap, backoff.GapFor(degraded: true, first: 10));
        Assert.True(backoff.Gap > 10, $"gap {backoff.Gap} after {taken.Count} taken");
        Assert.Equal(1, backoff.GapFor(degraded: false, first: 10));
    }

    [Fact]
    public void The_first_degraded_broadcast_falls_on_a_turn_of_its_own()
    {
        // Sessions degraded together must not all take the same tick: their first ones spread over the first gap.
        var firsts = new HashSet<int>();
        for (int s = 0; s < 200; s++)
        {
            var backoff = new UnansweredBackoff();
            firsts.Add(Taken(ref backoff, degraded: true, 10, first: 10, max: 100).Single());
        }
        Assert.True(firsts.Count >= 5, $"200 sessions took their first degraded broadcast at only {firsts.Count} distinct turns");
    }

    [Fact]
    public void An_answer_restores_every_broadcast_and_the_next_spell_starts_at_the_first_gap()
    {
        var backoff = new UnansweredBackoff();
        Taken(ref backoff, degraded: true, 500, first: 10, max: 100);
        Assert.Equal(100, backoff.Gap);

        Assert.Equal(Enumerable.Range(0, 5), Taken(ref backoff, degraded: false, 5, first: 10, max: 100));
        Assert.Equal(1, backoff.Gap);

        var again = Taken(ref backoff, degraded: true, 100, first: 10, max: 100);
        Assert.InRange(again[0], 0, 9);
        Assert.Equal([10, 20, 40], Gaps(again).Take(3));
    }

    [Fact]
    public void A_most_below_the_first_keeps_the_first_gap()
    {
        var backoff = new UnansweredBackoff();
        var taken = Taken(ref backoff, degraded: true, 100, first: 10, max: 5);
        Assert.All(Gaps(taken), g => Assert.Equal(10, g));
    }
}

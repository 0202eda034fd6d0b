using Resonance.Grains;
using Resonance.Grains.Cells;
using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

/// <summary>
/// A cell's detector over two members: a pair that locks and later drifts apart is reported formed and then broken,
/// except that the break of a lock the nodes refused is not reported (nobody holds it), and a refusal that arrives after
/// the pair was decided again does not touch the newer decision.
/// </summary>
public sealed class LockDetectorTests
{
    private static readonly PhaseLocking Locking = new EntanglementSettings().Compile();
    private static readonly Guid A = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = new("00000000-0000-0000-0000-00000000000b");

    /// <summary>Locked (same frequency) until <paramref name="driftFrom"/>, then B runs at another frequency.</summary>
    private sealed class TwoStreams(int driftFrom, int maxPartners = int.MaxValue, Guid[]? aLocked = null)
    {
        private readonly LockDetector _detector = new(Locking, radius: 8, maxPartners: maxPartners);
        private readonly Dictionary<Guid, Contribution> _contributions = [];
        public long Tick { get; private set; }

        public List<(EntangledPair Pair, bool Formed)> Step()
        {
            double a = 0.3 * Tick;
            double b = Tick < driftFrom ? 0.3 * Tick + 1 : 0.3 * driftFrom + 1 + 1.37 * (Tick - driftFrom);
            _contributions[A] = Member(A, 10, 10, a, aLocked);
            _contributions[B] = Member(B, 12, 10, b, null);
            var changes = new List<(EntangledPair, bool)>();
            _detector.Tick(Tick, _contributions, changes);
            Tick++;
            return changes;
        }

        public void Refused(long since) => _detector.Refused(A, B, since);

        private Contribution Member(Guid id, double x, double y, double phase, Guid[]? locked) =>
            new(new NodeChange(id, Tick + 1, NodeChangeOp.Upsert, NodeKind.Participant, x, y, 0.5, Grains.Field.Phase.Normalize(phase), 0.5, locked), true, DateTime.UtcNow);
    }

    /// <summary>Runs until the first change; returns it with the tick it was decided at.</summary>
    private static (EntangledPair Pair, bool Formed, long Tick) NextChange(TwoStreams streams, int limit = 400)
    {
        for (int k = 0; k < limit; k++)
        {
            long tick = streams.Tick;
            var changes = streams.Step();
            if (changes.Count > 0)
            {
                Assert.Single(changes);
                return (changes[0].Pair, changes[0].Formed, tick);
            }
        }
        throw new Xunit.Sdk.XunitException($"No change within {limit} ticks.");
    }

    /// <summary>
    /// Three participants that all go quiet for 1.5 s of every 2 s (a stalled client process, or a stalled silo): a held
    /// sample advances at each one's frequency, so the two at 1 Hz stay locked and the one at 1.73 Hz locks with nobody.
    /// Held as constants instead, the quiet stretches read as a perfect lock of everyone with everyone.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Participants_that_go_quiet_together_keep_their_true_relative_phase(bool withFrequency)
    {
        var c = new Guid("00000000-0000-0000-0000-00000000000c");
        var detector = new LockDetector(Locking, radius: 8, tickHz: 10);
        var contributions = new Dictionary<Guid, Contribution>();
        var streams = new[] { (Id: A, Hz: 1.0, Offset: 0.0, X: 10.0), (Id: B, Hz: 1.0, Offset: 0.5, X: 12.0), (Id: c, Hz: 1.73, Offset: 0.2, X: 11.0) };
        var formed = new HashSet<(Guid, Guid)>();
        var everFormed = new HashSet<(Guid, Guid)>();
        int abBroken = 0;
        for (long tick = 0; tick < 400; tick++)
        {
            bool sending = tick % 20 < 5;
            foreach (var s in streams)
            {
                if (!sending && contributions.ContainsKey(s.Id)) continue; // quiet: the cell holds the last change
                double phase = Grains.Field.Phase.Normalize(2 * Math.PI * s.Hz * tick / 10 + s.Offset);
                contributions[s.Id] = new(new NodeChange(s.Id, tick + 1, NodeChangeOp.Upsert, NodeKind.Participant, s.X, 10, 0.5, phase, 0.5,
                    formed.Where(p => p.Item1 == s.Id || p.Item2 == s.Id).Select(p => p.Item1 == s.Id ? p.Item2 : p.Item1).ToArray(),
                    withFrequency ? s.Hz : 0), true, DateTime.UtcNow);
            }
            var changes = new List<(EntangledPair Pair, bool Formed)>();
            detector.Tick(tick, contributions, changes);
            foreach (var (pair, isFormed) in changes)
            {
                var key = (pair.Node1, pair.Node2);
                if (isFormed) { formed.Add(key); everFormed.Add(key); }
                else { formed.Remove(key); if (key == (A, B)) abBroken++; }
            }
        }
        if (withFrequency)
        {
            Assert.Equal([(A, B)], everFormed);
            Assert.Equal(0, abBroken);
        }
        else
        {
            // Without a frequency the held phases are constants: the 1.73 Hz participant "locks" too (what this guards against).
            Assert.Contains(everFormed, p => p.Item1 == c || p.Item2 == c);
        }
    }

    /// <summary>
    /// The existing app's streams (one sample every 2 s) can never give a reading the 4 fresh samples it needs: the cell
    /// keeps their few samples, not a full history each. Once they stream faster, each gets its full history.
    /// </summary>
    [Fact]
    public void Slow_streams_get_no_full_history_until_they_could_be_candidates()
    {
        var detector = new LockDetector(Locking, radius: 8, tickHz: 10);
        var contributions = new Dictionary<Guid, Contribution>();
        var ids = Enumerable.Range(0, 50).Select(k => new Guid(k + 1, 0, 0, new byte[8])).ToArray();
        var versions = new long[ids.Length];
        void Step(long tick, int every)
        {
            for (int k = 0; k < ids.Length; k++)
            {
                if ((tick + k) % every != 0 && contributions.ContainsKey(ids[k])) continue;
                contributions[ids[k]] = new(new NodeChange(ids[k], ++versions[k], NodeChangeOp.Upsert, NodeKind.Participant, 5 + k % 5, 5 + k / 10,
                    0.5, Grains.Field.Phase.Normalize(0.7 * tick + k), 0.5, null, 1 + k * 0.01), true, DateTime.UtcNow);
            }
            detector.Tick(tick, contributions, []);
        }

        long t = 0;
        for (; t < 200; t++) Step(t, every: 20);
        Assert.Equal((50, 0), (detector.Tracked, detector.WithHistory));
        for (; t < 210; t++) Step(t, every: 1);
        Assert.Equal((50, 50), (detector.Tracked, detector.WithHistory));
        Assert.True(detector.Evaluated > 0);
    }

    /// <summary>
    /// Tracks of participants that left are reused for the ones that come: a newcomer must read exactly as it would in
    /// a detector that never saw anyone before (no sample, version or history of the one whose track it got).
    /// </summary>
    [Fact]
    public void Newcomers_on_reused_tracks_read_as_on_new_ones()
    {
        var reused = new LockDetector(Locking, radius: 8, tickHz: 10);
        var fresh = new LockDetector(Locking, radius: 8, tickHz: 10);
        var crowd = new Dictionary<Guid, Contribution>();
        var leavers = Enumerable.Range(0, 30).Select(k => new Guid(k + 100, 0, 0, new byte[8])).ToArray();
        long t = 0;
        // Streaming fast enough to get full histories, then gone.
        for (; t < 40; t++)
        {
            for (int k = 0; k < leavers.Length; k++)
                crowd[leavers[k]] = new(new NodeChange(leavers[k], t + 1, NodeChangeOp.Upsert, NodeKind.Participant, 5 + k % 6, 5 + k / 6,
                    0.5, Grains.Field.Phase.Normalize(0.4 * t + k), 0.5, null, 1), true, DateTime.UtcNow);
            reused.Tick(t, crowd, []);
        }
        Assert.Equal((30, 30), (reused.Tracked, reused.WithHistory));
        crowd.Clear();
        reused.Tick(t++, crowd, []);
        Assert.Equal(0, reused.Tracked);

        // Two newcomers, locked then drifting apart, seen by both detectors from the same tick on.
        var pair = new Dictionary<Guid, Contribution>();
        long start = t;
        var seenReused = new List<(EntangledPair, bool, long)>();
        var seenFresh = new List<(EntangledPair, bool, long)>();
        for (; t < start + 200; t++)
        {
            long n = t - start;
            double b = n < 80 ? 0.3 * n + 1 : 0.3 * 80 + 1 + 1.37 * (n - 80);
            // Versions restart low, as a new node's would not: a reused track must not take them for stale ones.
            pair[A] = new(new NodeChange(A, n + 1, NodeChangeOp.Upsert, NodeKind.Participant, 10, 10, 0.5, Grains.Field.Phase.Normalize(0.3 * n), 0.5, null), true, DateTime.UtcNow);
            pair[B] = new(new NodeChange(B, n + 1, NodeChangeOp.Upsert, NodeKind.Participant, 12, 10, 0.5, Grains.Field.Phase.Normalize(b), 0.5, null), true, DateTime.UtcNow);
            var r = new List<(EntangledPair Pair, bool Formed)>();
            var f = new List<(EntangledPair Pair, bool Formed)>();
            reused.Tick(t, pair, r);
            fresh.Tick(t, pair, f);
            seenReused.AddRange(r.Select(c => (c.Pair, c.Formed, n)));
            seenFresh.AddRange(f.Select(c => (c.Pair, c.Formed, n)));
        }
        Assert.Equal(2, seenFresh.Count);
        Assert.Equal(seenFresh, seenReused);
    }

    [Fact]
    public void A_held_lock_is_reported_formed_then_broken()
    {
        var streams = new TwoStreams(driftFrom: 60);
        var formed = NextChange(streams);
        Assert.True(formed.Formed);
        Assert.Equal((A, B), (formed.Pair.Node1, formed.Pair.Node2));
        var broken = NextChange(streams);
        Assert.False(broken.Formed);
        Assert.True(broken.Tick >= 60);
    }

    [Fact]
    public void A_refused_lock_breaks_without_a_report()
    {
        var streams = new TwoStreams(driftFrom: 60);
        var formed = NextChange(streams);
        Assert.True(formed.Formed);
        streams.Refused(formed.Tick);
        for (int k = 0; k < 300; k++) Assert.Empty(streams.Step());
    }

    [Fact]
    public void A_refusal_for_an_older_decision_changes_nothing()
    {
        var streams = new TwoStreams(driftFrom: 60);
        var formed = NextChange(streams);
        // The answer names a decision the cell no longer has (a tick before this one): the lock still counts as held.
        streams.Refused(formed.Tick - 1);
        var broken = NextChange(streams);
        Assert.False(broken.Formed);
    }

    [Fact]
    public void A_node_whose_list_is_full_is_not_asked_and_its_break_is_not_reported()
    {
        // A lists one phase-locked partner elsewhere (C, not held by this cell) and may hold only one.
        var c = new Guid("00000000-0000-0000-0000-00000000000c");
        var streams = new TwoStreams(driftFrom: 60, maxPartners: 1, aLocked: [c]);
        var changes = new List<(EntangledPair Pair, bool Formed)>();
        for (int k = 0; k < 300; k++) changes.AddRange(streams.Step());
        // The only report is about A's listed partner C, which this cell does not hold: it breaks (as before).
        Assert.All(changes, ch => Assert.False(ch.Formed));
        Assert.DoesNotContain(changes, ch => ch.Pair.Involves(B));
    }

    [Fact]
    public void A_node_with_room_is_asked()
    {
        var c = new Guid("00000000-0000-0000-0000-00000000000c");
        var streams = new TwoStreams(driftFrom: 60, maxPartners: 2, aLocked: [c]);
        var changes = new List<(EntangledPair Pair, bool Formed)>();
        for (int k = 0; k < 60; k++) changes.AddRange(streams.Step());
        Assert.Contains(changes, ch => ch.Formed && ch.Pair.Node1 == A && ch.Pair.Node2 == B);
    }
}

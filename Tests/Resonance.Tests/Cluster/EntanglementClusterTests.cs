using System.Collections.Concurrent;
using Resonance.Grains;

namespace Resonance.Tests.Cluster;

/// <summary>Phase-locked pairs through the grains of a two-silo cluster: participants streaming synthetic phases.</summary>
public sealed class EntanglementClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task Nearby_participants_at_the_same_frequency_entangle_and_leaving_breaks_the_pair_for_both()
    {
        const string space = "ent-plv";
        var ticks = await Watch(space);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), far = Guid.NewGuid();
        using var stop = new CancellationTokenSource();
        // a and b 3.2 apart (radius R - sqrt(2) h = 8.59), in different cells; far is locked too but 20 away from both.
        var streams = new[]
        {
            Stream(space, a, 8.5, 5, hz: 0.8, offset: 0, stop.Token),
            Stream(space, b, 11.5, 6, hz: 0.8, offset: 1.2, stop.Token),
            Stream(space, far, 28, 25, hz: 0.8, offset: 0.3, stop.Token),
        };
        try
        {
            var tick = await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs.Length > 0,
                TimeSpan.FromSeconds(20), "a phase-locked pair");
            var pair = Assert.Single(tick.Pairs);
            Assert.Equal(new[] { a, b }.Order(), new[] { pair.Node1, pair.Node2 });
            Assert.Equal(("plv", "1:1"), (pair.Type, pair.Ratio));
            Assert.True(pair.Strength >= 0.9, $"strength {pair.Strength}");
            // Both hold each other.
            Assert.Equal([b], await Grains.GetGrain<INodeGrain>(a).GetPartners());
            Assert.Equal([a], await Grains.GetGrain<INodeGrain>(b).GetPartners());
            Assert.Empty(await Grains.GetGrain<INodeGrain>(far).GetPartners());
            await Eventually.Until(() => Task.FromResult(ticks.Notices(EntanglementState.Formed).Count), n => n >= 2, what: "formed notices");
            Assert.Equal(new[] { (a, b), (b, a) }.Order(), ticks.Notices(EntanglementState.Formed).Select(n => (n.To, n.Partner)).Order());

            // b leaves: the pair breaks and both are told.
            await stop.CancelAsync();
            await Task.WhenAll(streams);
            await Grains.GetGrain<INodeGrain>(b).Remove();
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs.Length == 0, what: "pair gone");
            await Eventually.Until(() => Task.FromResult(ticks.Notices(EntanglementState.Broken).Count), n => n >= 2, what: "broken notices");
            Assert.Equal(new[] { (a, b), (b, a) }.Order(), ticks.Notices(EntanglementState.Broken).Select(n => (n.To, n.Partner)).Order());
            Assert.Empty(await Grains.GetGrain<INodeGrain>(a).GetPartners());
            Assert.Equal(2, ticks.Notices(EntanglementState.Formed).Count); // no flapping on the way
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(streams);
            await Task.WhenAll(new[] { a, b, far }.Select(id => Grains.GetGrain<INodeGrain>(id).Remove()));
        }
    }

    [Fact]
    public async Task Unrelated_frequencies_never_entangle_and_drifting_apart_never_removes_an_explicit_pair()
    {
        const string space = "ent-explicit";
        var ticks = await Watch(space);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        using var stopLocked = new CancellationTokenSource();
        using var stopAll = new CancellationTokenSource();
        var streams = new List<Task>
        {
            Stream(space, a, 15, 15, hz: 1.0, offset: 0, stopAll.Token),
            Stream(space, b, 17, 16, hz: 1.0, offset: 0.5, stopLocked.Token),
            Stream(space, c, 13, 14, hz: 1.73, offset: 0.2, stopAll.Token),
        };
        try
        {
            var tick = await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs.Length > 0,
                TimeSpan.FromSeconds(20), "a phase-locked pair");
            Assert.Equal(new[] { a, b }.Order(), new[] { tick.Pairs[0].Node1, tick.Pairs[0].Node2 });

            // Both also ask for it: one pair, now listed as explicit.
            await Grains.GetGrain<INodeGrain>(a).RequestEntanglement(b);
            Assert.Equal(EntanglementState.Formed, await Grains.GetGrain<INodeGrain>(b).RequestEntanglement(a));
            tick = await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is [{ Type: "explicit" }], what: "explicit pair");

            // b drifts to another frequency: the phase lock breaks, the explicit pair stays (and nobody is told "broken").
            await stopLocked.CancelAsync();
            streams.Add(Stream(space, b, 17, 16, hz: 1.37, offset: 0.5, stopAll.Token));
            await Eventually.Until(() => Grains.GetGrain<INodeGrain>(b).GetSnapshot(), s => s!.Frequency == 1.37, what: "b drifted");
            // Two windows (2 s each) after the drift, in time and in ticks (10 Hz): a loaded machine only makes the wait longer.
            long drifted = (await Grains.GetGrain<ISpaceGrain>(space).GetLatestTick()).Seq;
            var since = System.Diagnostics.Stopwatch.StartNew();
            tick = await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(),
                t => t.Seq >= drifted + 40 && since.Elapsed >= TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60), "two windows of ticks after the drift");
            var pair = Assert.Single(tick.Pairs);
            Assert.Equal("explicit", pair.Type);
            Assert.Empty(ticks.Notices(EntanglementState.Broken));
            Assert.Equal([b], await Grains.GetGrain<INodeGrain>(a).GetPartners());

            // c (1.73 Hz, close to both the whole time) never locked with anyone.
            Assert.Empty(await Grains.GetGrain<INodeGrain>(c).GetPartners());
            Assert.DoesNotContain(ticks.All, n => n.To == c || n.Partner == c);
        }
        finally
        {
            await stopLocked.CancelAsync();
            await stopAll.CancelAsync();
            await Task.WhenAll(streams);
            await Task.WhenAll(new[] { a, b, c }.Select(id => Grains.GetGrain<INodeGrain>(id).Remove()));
        }
    }

    [Fact]
    public async Task An_explicit_pair_broken_while_still_phase_locked_is_listed_as_the_detected_pair_it_now_is()
    {
        const string space = "ent-unrequest";
        var ticks = await Watch(space);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        using var stopLocked = new CancellationTokenSource();
        using var stopAll = new CancellationTokenSource();
        var streams = new List<Task>
        {
            Stream(space, a, 15, 15, hz: 0.9, offset: 0, stopAll.Token),
            Stream(space, b, 17, 16, hz: 0.9, offset: 0.7, stopLocked.Token),
        };
        try
        {
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is [{ Type: "plv" }],
                TimeSpan.FromSeconds(20), "the phase-locked pair");
            await Grains.GetGrain<INodeGrain>(a).RequestEntanglement(b);
            Assert.Equal(EntanglementState.Formed, await Grains.GetGrain<INodeGrain>(b).RequestEntanglement(a));
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is [{ Type: "explicit" }], what: "explicit pair");

            // a takes its request back while the two are still locked: the pair stays, as what it now is.
            await Grains.GetGrain<INodeGrain>(a).BreakEntanglement(b);
            var tick = await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is not [{ Type: "explicit" }],
                what: "the explicit listing gone");
            var pair = Assert.Single(tick.Pairs);
            Assert.Equal(new[] { a, b }.Order(), new[] { pair.Node1, pair.Node2 });
            Assert.Equal(("plv", "1:1"), (pair.Type, pair.Ratio));
            Assert.True(pair.Strength >= 0.9, $"strength {pair.Strength}");
            Assert.Equal(1, tick.PairCount);
            Assert.Equal([b], await Grains.GetGrain<INodeGrain>(a).GetPartners());
            Assert.Empty(ticks.Notices(EntanglementState.Broken)); // still entangled: nobody is told "broken"

            // A new request is explicit again; taking it back once more, and then drifting apart, ends the pair for both.
            await Grains.GetGrain<INodeGrain>(a).RequestEntanglement(b);
            Assert.Equal(EntanglementState.Formed, await Grains.GetGrain<INodeGrain>(b).RequestEntanglement(a));
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is [{ Type: "explicit" }], what: "explicit again");
            await Grains.GetGrain<INodeGrain>(b).BreakEntanglement(a);
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs is [{ Type: "plv" }], what: "detected again");
            await stopLocked.CancelAsync();
            streams.Add(Stream(space, b, 17, 16, hz: 1.41, offset: 0.5, stopAll.Token));
            await Eventually.Until(() => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.Pairs.Length == 0, TimeSpan.FromSeconds(20), "pair gone");
            await Eventually.Until(() => Task.FromResult(ticks.Notices(EntanglementState.Broken).Count), n => n >= 2, what: "broken notices");
            Assert.Equal(new[] { (a, b), (b, a) }.Order(), ticks.Notices(EntanglementState.Broken).Select(n => (n.To, n.Partner)).Order());
        }
        finally
        {
            await stopLocked.CancelAsync();
            await stopAll.CancelAsync();
            await Task.WhenAll(streams);
            await Task.WhenAll(new[] { a, b }.Select(id => Grains.GetGrain<INodeGrain>(id).Remove()));
        }
    }

    /// <summary>Streams phi(t) = 2 pi f t + offset (+ noise of +-0.2 rad) at 20 Hz from the wall clock, like a client would.</summary>
    private async Task Stream(string space, Guid id, double x, double y, double hz, double offset, CancellationToken stop)
    {
        var random = new Random(id.GetHashCode());
        var node = Grains.GetGrain<INodeGrain>(id);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            do
            {
                double t = DateTime.UtcNow.Ticks / (double)TimeSpan.TicksPerSecond;
                double phase = 2 * Math.PI * hz * (t % 1000) + offset + (random.NextDouble() * 2 - 1) * 0.2;
                await node.UpdateParticipant(space, new ParticipantUpdate { X = x, Y = y, Amplitude = 0.5, Frequency = hz, Phase = Resonance.Grains.Field.Phase.Normalize(phase) });
            } while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<TickLog> Watch(string space)
    {
        var log = new TickLog();
        var reference = fixture.Cluster.Client.CreateObjectReference<ISpaceObserver>(log);
        log.Reference = reference;
        await Grains.GetGrain<ISpaceGrain>(space).Subscribe(reference);
        return log;
    }

    private sealed class TickLog : ISpaceObserver
    {
        private readonly ConcurrentQueue<EntanglementNotice> _notices = new();

        /// <summary>Keeps the observer reference alive for the test's duration.</summary>
        public ISpaceObserver? Reference { get; set; }

        public IReadOnlyCollection<EntanglementNotice> All => _notices;

        public List<EntanglementNotice> Notices(EntanglementState state) => _notices.Where(n => n.State == state).ToList();

        public Task OnTick(SpaceTick tick)
        {
            foreach (var n in tick.Notices) _notices.Enqueue(n);
            return Task.CompletedTask;
        }
    }
}

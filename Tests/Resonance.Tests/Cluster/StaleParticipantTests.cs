using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

public sealed class StaleParticipantTests(ShortStaleClusterFixture fixture) : IClassFixture<ShortStaleClusterFixture>
{
    [Fact]
    public async Task A_silent_participant_vanishes_from_field_and_aggregates_while_a_touched_one_stays()
    {
        var grains = fixture.Grains;
        var space = ClusterFieldTests.NewSpace("stale");
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var geometry = SpaceGeometry.Create(await grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var silent = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        var alive = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await silent.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.9, Phase = 0, X = 9.5, Y = 10.5, Resonance = 0.2 });
        await alive.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, Phase = 1, X = 20, Y = 20, Resonance = 0.8 });

        await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.ActiveNodes == 2, what: "both participants counted");

        // Keep one alive with heartbeats (touch) only; the other says nothing.
        await WhileTouching(alive, async () =>
        {
            var tick = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(space).GetLatestTick(),
                t => t.ActiveNodes == 1 && Math.Abs(t.GlobalResonance - 0.8) < 1e-12, what: "the silent participant dropped from aggregates");
            Assert.Equal(1, tick.QuantumCoherence, 1e-12);

            var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, [new FieldSource(20, 20, 0.5, 1)]);
            await Eventually.Until(() => FieldSnapshot.Assemble(grains, space, geometry),
                f => FieldSnapshot.MaxAbsDiff(f, reference) <= 1e-9, what: "the silent participant's footprint left the field");
            // The silent node left by itself; a participant that left deactivates (participants are not persisted), so its
            // snapshot is either gone or no longer live, depending on whether the deactivation has happened yet.
            Assert.False((await silent.GetSnapshot())?.Live ?? false);
            Assert.True((await alive.GetSnapshot())?.Live);
        });
    }

    /// <summary>
    /// A participant that left the collective and came back is sent to its cells with a new version; its heartbeats must
    /// carry that version, or the cells (which ignore older changes) never see them and drop it as stale.
    /// </summary>
    [Fact]
    public async Task A_participant_back_in_the_collective_is_kept_by_its_heartbeats()
    {
        var grains = fixture.Grains;
        var space = ClusterFieldTests.NewSpace("stale-rejoin");
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var tick = () => grains.GetGrain<ISpaceGrain>(space).GetLatestTick();
        var back = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await back.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, X = 10, Y = 10, Resonance = 0.3 });
        await Eventually.Until(tick, t => t.ActiveNodes == 1, what: "the participant counted");
        await back.SetCollective(false);
        await Eventually.Until(tick, t => t.ActiveNodes == 0, what: "out of the collective");
        await back.SetCollective(true);
        await Eventually.Until(tick, t => t.ActiveNodes == 1, what: "back in the collective");

        // Another participant that says nothing more: by the time it is dropped, one whose heartbeats do not reach its
        // cells would have been dropped too (its last change is older).
        var silent = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await silent.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, X = 20, Y = 20, Resonance = 0.9 });
        await WhileTouching(back, async () =>
        {
            await Eventually.Until(tick, t => t.ActiveNodes == 2, what: "both counted");
            var after = await Eventually.Until(tick, t => t.ActiveNodes == 0 || (t.ActiveNodes == 1 && Math.Abs(t.GlobalResonance - 0.3) < 1e-12),
                what: "the silent participant dropped");
            Assert.Equal(1, after.ActiveNodes);
        });
    }

    [Fact]
    public async Task A_participant_whose_client_vanished_leaves_by_itself_and_its_pairs_break()
    {
        var grains = fixture.Grains;
        var space = ClusterFieldTests.NewSpace("stale-pair");
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var gone = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        var stays = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await gone.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, X = 5, Y = 5 });
        await stays.UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = 0.5, X = 25, Y = 25 });
        Assert.Equal(EntanglementState.Requested, await gone.RequestEntanglement(stays.GetPrimaryKey()));
        Assert.Equal(EntanglementState.Formed, await stays.RequestEntanglement(gone.GetPrimaryKey()));
        await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.PairCount == 1, what: "the pair listed");

        // Only one side keeps talking; the other's client is gone without a goodbye.
        await WhileTouching(stays, async () =>
        {
            var tick = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(space).GetLatestTick(),
                t => t.PairCount == 0 && t.ActiveNodes == 1, what: "the stale participant left and its pair broke");
            Assert.Empty(tick.Pairs);
            Assert.Empty(await stays.GetPartners());
            // Gone: deactivated after leaving (participants are not persisted), or at least no longer live.
            Assert.False((await gone.GetSnapshot())?.Live ?? false);
        });
    }

    /// <summary>Runs <paramref name="body"/> while <paramref name="node"/> sends heartbeats (touches) a few times per stale period.</summary>
    private static async Task WhileTouching(INodeGrain node, Func<Task> body)
    {
        using var stop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await node.Touch();
                await Task.Delay(ShortStaleClusterFixture.StaleAfter / 5);
            }
        });
        try
        {
            await body();
        }
        finally
        {
            stop.Cancel();
            await heartbeat;
        }
    }
}

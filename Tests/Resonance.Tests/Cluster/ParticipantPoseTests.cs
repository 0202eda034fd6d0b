using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary>
/// A streaming participant's grain keeps its pose in place and builds a snapshot only when read: what it answers and
/// what its cells hold must be exactly what a new snapshot per update gave.
/// </summary>
public sealed class ParticipantPoseTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    private async Task<(string Space, SpaceGeometry Geometry)> NewSpace(string name)
    {
        var space = ClusterFieldTests.NewSpace(name);
        await Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        return (space, SpaceGeometry.Create(await Grains.GetGrain<ISpaceGrain>(space).GetConfig()));
    }

    [Fact]
    public async Task Reads_see_the_latest_update_with_phase_factor_and_intent_carried_over()
    {
        var (space, geometry) = await NewSpace("pose");
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await node.UpdateParticipant(space, new ParticipantUpdate
        {
            Frequency = 2, Amplitude = 0.5, Phase = 1, X = 5, Y = 5, Resonance = 0.7, QuantumFactor = 0.3, ConsciousnessIntent = "bloom",
        });
        var first = (await node.GetSnapshot())!;

        // Says neither phase, factor nor intent: the node keeps them; resonance falls back to the amplitude.
        await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = 0.6, X = 6, Y = 7 });
        var second = (await node.GetSnapshot())!;
        Assert.True(second.Live);
        Assert.Equal(NodeKind.Participant, second.Kind);
        Assert.Equal(space, second.Space);
        Assert.Equal((6.0, 7.0, 0.6, 0.6, 3.0), (second.X, second.Y, second.Strength, second.Resonance, second.Frequency));
        Assert.Equal(1, second.Phase);
        Assert.Equal(0.3, second.QuantumFactor);
        Assert.Equal("bloom", second.ConsciousnessIntent);
        Assert.True(second.Version > first.Version, $"version {second.Version} after {first.Version}");

        // Two updates between reads: the read sees the last one, with the new intent.
        await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = 0.4, Phase = 2, X = 8, Y = 9 });
        await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = 0.45, X = 10, Y = 11, ConsciousnessIntent = "spiral" });
        var fourth = (await node.GetSnapshot())!;
        Assert.Equal((10.0, 11.0, 0.45, 2.0), (fourth.X, fourth.Y, fourth.Strength, fourth.Phase));
        Assert.Equal("spiral", fourth.ConsciousnessIntent);
        Assert.Equal(0.3, fourth.QuantumFactor);

        // A touch moves only the time of the last sighting.
        await node.Touch();
        var touched = (await node.GetSnapshot())!;
        Assert.Equal(fourth with { UpdatedUtc = touched.UpdatedUtc }, touched);
        Assert.True(touched.UpdatedUtc >= fourth.UpdatedUtc);

        // The cells hold the last pose (the changes were built from it, not from a snapshot).
        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, [new FieldSource(10, 11, 0.45, 2)]);
        await FieldSnapshot.AssertConverges(Grains, space, geometry, reference, "the field holds the last pose");
    }

    [Fact]
    public async Task A_participant_that_moves_to_another_space_leaves_the_first_with_its_latest_pose()
    {
        var (first, firstGeometry) = await NewSpace("pose-from");
        var (second, secondGeometry) = await NewSpace("pose-to");
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await node.UpdateParticipant(first, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, Phase = 1, X = 5, Y = 5, ConsciousnessIntent = "bloom" });
        await node.UpdateParticipant(first, new ParticipantUpdate { Frequency = 2, Amplitude = 0.7, X = 25, Y = 25 });
        await FieldSnapshot.AssertConverges(Grains, first, firstGeometry,
            ReferenceField.NodeSum(firstGeometry.Grid, firstGeometry.Kernel, [new FieldSource(25, 25, 0.7, 1)]), "the first space holds the moved pose");

        await node.UpdateParticipant(second, new ParticipantUpdate { Frequency = 2, Amplitude = 0.8 });
        var moved = (await node.GetSnapshot())!;
        Assert.Equal(second, moved.Space);
        Assert.True(moved.Live);
        // The phase and intent carry over; the position does not (no position given: placed by id in the new space).
        Assert.Equal(1, moved.Phase);
        Assert.Equal("bloom", moved.ConsciousnessIntent);

        await FieldSnapshot.AssertConverges(Grains, first, firstGeometry, new double[firstGeometry.Grid.SampleCount], "the first space is empty");
        await FieldSnapshot.AssertConverges(Grains, second, secondGeometry,
            ReferenceField.NodeSum(secondGeometry.Grid, secondGeometry.Kernel, [new FieldSource(moved.X, moved.Y, 0.8, 1)]), "the second space holds the node");
    }
}

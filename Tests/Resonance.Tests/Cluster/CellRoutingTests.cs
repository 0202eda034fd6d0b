using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary>
/// The silo's cell change router under fire-and-forget updates: nodes that jump between cells faster than the cells
/// answer (so changes coalesce while a call is in flight, and the queues of cells that went quiet are reused for others)
/// end with exactly their last state in the field, once, and in no cell they left.
/// </summary>
public sealed class CellRoutingTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task Nodes_jumping_between_cells_end_with_their_latest_state_once_and_nowhere_else()
    {
        var space = ClusterFieldTests.NewSpace("route");
        await Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 80, Height = 80, Background = "none" });
        var geometry = SpaceGeometry.Create(await Grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var random = new Random(11);
        var nodes = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToArray();
        var last = new Dictionary<Guid, ParticipantUpdate>();

        // Each node's updates go out one after another (a node grain applies them in order); across nodes they overlap.
        await Task.WhenAll(nodes.Select(async id =>
        {
            var node = Grains.GetGrain<INodeGrain>(id);
            var rng = new Random(id.GetHashCode());
            ParticipantUpdate update = null!;
            for (int k = 0; k < 40; k++)
            {
                update = new ParticipantUpdate
                {
                    Frequency = 3,
                    Amplitude = 0.2 + 0.7 * rng.NextDouble(),
                    Phase = rng.NextDouble() * 6,
                    X = rng.NextDouble() * 79.9,
                    Y = rng.NextDouble() * 79.9,
                };
                await node.UpdateParticipant(space, update);
            }
            lock (last) last[id] = update;
        }));
        // One node leaves after its updates: its removal must not be overtaken by any of them.
        await Grains.GetGrain<INodeGrain>(nodes[0]).Remove();
        last.Remove(nodes[0]);

        var sources = last.Values.Select(u => new FieldSource(u.X!.Value, u.Y!.Value, u.Amplitude, Phase.Normalize(u.Phase!.Value))).ToList();
        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources);
        await FieldSnapshot.AssertConverges(Grains, space, geometry, reference, "the field holds each node's last state once");

        // Every cell counts exactly the nodes whose last footprint reaches it.
        var reach = new (int Cx, int Cy)[9];
        for (int cy = 0; cy < geometry.CellsY; cy++)
            for (int cx = 0; cx < geometry.CellsX; cx++)
            {
                int expected = 0;
                foreach (var u in last.Values)
                {
                    int n = geometry.AffectedCells(u.X!.Value, u.Y!.Value, reach);
                    if (Array.IndexOf(reach, (cx, cy), 0, n) >= 0) expected++;
                }
                var status = await Grains.GetGrain<ICellGrain>(CellKey.Format(space, cx, cy)).GetStatus();
                Assert.Equal(expected, status.Contributors);
            }
    }
}

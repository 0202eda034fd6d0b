using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary><c>harmonicField</c> as the space publishes it, against the reference peaks of the node field.</summary>
public sealed class FieldPeaksClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    /// <summary>
    /// Issue 12: 30 participants without positions (as the existing app streams them) in the default 30 x 30 space make the
    /// clamped field 1 almost everywhere; the peaks used to be the cells' corners, all of intensity 1.
    /// </summary>
    [Fact]
    public async Task Thirty_app_participants_in_the_default_space_list_the_node_fields_peaks_not_cell_corners()
    {
        var grains = fixture.Grains;
        var space = ClusterFieldTests.NewSpace("peaks");
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig());
        var geometry = SpaceGeometry.Create(await grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var rnd = new Random(12);
        var nodes = Enumerable.Range(0, 30).Select(_ => grains.GetGrain<INodeGrain>(Guid.NewGuid())).ToArray();
        await Task.WhenAll(nodes.Select(n => n.UpdateParticipant(space, new ParticipantUpdate
        {
            Frequency = 432, Amplitude = 0.5 + rnd.NextDouble() / 2, Phase = rnd.NextDouble() * 6,
        })));

        var snapshots = await Task.WhenAll(nodes.Select(n => n.GetSnapshot()));
        var sources = snapshots.Select(s => new FieldSource(s!.X, s.Y, s.Strength, s.Phase)).ToArray();
        var nodeSum = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources);
        var expected = ReferencePeaks.Find(nodeSum, geometry.Grid.Columns, geometry.Grid.Rows).Take(8).ToList();

        SpaceTick tick;
        try
        {
            tick = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(space).GetLatestTick(),
                t => t.ActiveNodes == 30 && Matches(t.Peaks, expected), what: "the published peaks equal the reference");
        }
        catch (TimeoutException)
        {
            tick = await grains.GetGrain<ISpaceGrain>(space).GetLatestTick();
        }
        Assert.True(Matches(tick.Peaks, expected),
            $"published {string.Join(" ", tick.Peaks.Select(p => $"({p.X},{p.Y})={p.Resonance:F6}"))}; " +
            $"reference {string.Join(" ", expected.Select(p => $"({p.I},{p.J})={p.Value:F6}"))}");
        Assert.Equal(1, tick.FieldMax); // the case of the issue: saturated
        Assert.Contains(tick.Peaks, p => p.X % 10 != 0 || p.Y % 10 != 0);
        foreach (var p in tick.Peaks) Assert.InRange(p.Intensity, 0, 1);
    }

    private static bool Matches(FieldPeakInfo[] published, List<ReferencePeaks.Peak> expected) =>
        published.Length == expected.Count
        && published.Zip(expected).All(x => x.First.X == x.Second.I && x.First.Y == x.Second.J && Math.Abs(x.First.Resonance - x.Second.Value) <= 1e-9);
}

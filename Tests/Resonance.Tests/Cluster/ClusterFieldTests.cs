using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary>The field as the cells hold it, on a two-silo cluster, against the naive float64 reference.</summary>
public sealed class ClusterFieldTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    internal static string NewSpace(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..32];

    private async Task<SpaceGeometry> CreateSpace(string space, SpaceConfig config)
    {
        await Grains.GetGrain<ISpaceGrain>(space).Configure(config);
        return SpaceGeometry.Create(await Grains.GetGrain<ISpaceGrain>(space).GetConfig());
    }

    [Theory]
    [InlineData("exponential", 1.0, 1)]
    [InlineData("harmonic", 1.0, 2)]
    [InlineData("gaussian", 0.5, 3)]
    public async Task Random_workload_assembled_tiles_equal_the_reference_including_seams(string kernel, double spacing, int seed)
    {
        var space = NewSpace("work");
        var geometry = await CreateSpace(space, new SpaceConfig { Width = 60, Height = 40, Spacing = spacing, Kernel = kernel, Background = "none" });
        var workload = new Workload(Grains, space, 60, 40, seed);
        await workload.Run(rounds: 12, perRound: 16);
        Assert.True(workload.Nodes.Count > 10, "the workload should leave a populated space");

        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, workload.Sources());
        await FieldSnapshot.AssertConverges(Grains, space, geometry, reference, "assembled field equals the reference");
        Assert.Contains(reference, v => Math.Abs(v) > 0.1);

        // Every node ended up in exactly the cell its position says, and nowhere else.
        var members = new Dictionary<Guid, (int, int)>();
        for (int cy = 0; cy < geometry.CellsY; cy++)
            for (int cx = 0; cx < geometry.CellsX; cx++)
                foreach (var id in (await Grains.GetGrain<ICellGrain>(CellKey.Format(space, cx, cy)).GetStatus()).MemberIds)
                    members.Add(id, (cx, cy));
        Assert.Equal(workload.Nodes.Count, members.Count);
        foreach (var (id, n) in workload.Nodes)
            Assert.Equal(geometry.CellOf(n.X, n.Y), members[id]);
    }

    [Fact]
    public async Task A_node_update_touches_only_its_cell_and_the_neighbours_its_footprint_reaches()
    {
        var space = NewSpace("fan");
        var geometry = await CreateSpace(space, new SpaceConfig { Width = 80, Height = 80, Background = "none" });

        // Keep every cell active for the whole test: a cell a move empties would otherwise deactivate and
        // lose its counter. The observer receives nothing we look at; it only holds the subscriptions.
        var keepAlive = Grains.CreateObjectReference<IFieldObserver>(new IgnoringFieldObserver());
        var cells = AllCells(geometry).ToArray();
        await Task.WhenAll(cells.Select(c => Cell(space, c).SubscribeField(keepAlive)));

        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await AssertTouchedCells(space, cells, () => node.UpdateParticipant(space, Update(45.3, 32.7)), Reached(geometry, 45.3, 32.7));

        // A move into another cell: the new cells get the node, cells only the old footprint reached get its removal.
        var expected = Reached(geometry, 45.3, 32.7).Union(Reached(geometry, 61.9, 38.2)).ToHashSet();
        await AssertTouchedCells(space, cells, () => node.UpdateParticipant(space, Update(61.9, 38.2)), expected);
        var home = await Cell(space, (6, 3)).GetStatus();
        Assert.Equal([node.GetPrimaryKey()], home.MemberIds);

        await Task.WhenAll(cells.Select(c => Cell(space, c).UnsubscribeField(keepAlive)));
    }

    private sealed class IgnoringFieldObserver : IFieldObserver
    {
        public Task OnTile(TileFrame frame) => Task.CompletedTask;
    }

    private ICellGrain Cell(string space, (int X, int Y) c) => Grains.GetGrain<ICellGrain>(CellKey.Format(space, c.X, c.Y));

    private static IEnumerable<(int, int)> AllCells(SpaceGeometry g)
    {
        for (int cy = 0; cy < g.CellsY; cy++)
            for (int cx = 0; cx < g.CellsX; cx++)
                yield return (cx, cy);
    }

    private static ParticipantUpdate Update(double x, double y) => new() { Frequency = 4, Amplitude = 0.8, Phase = 1, X = x, Y = y };

    /// <summary>Cells whose sample rectangle lies within R of (x, y), computed here independently of the grains.</summary>
    private static HashSet<(int, int)> Reached(SpaceGeometry g, double x, double y)
    {
        var cells = new HashSet<(int, int)>();
        double r = g.Config.Cutoff;
        foreach (var (cx, cy) in AllCells(g))
        {
            double x0 = cx * 10, x1 = cx * 10 + 9, y0 = cy * 10, y1 = cy * 10 + 9;
            double dx = Math.Max(0, Math.Max(x0 - x, x - x1)), dy = Math.Max(0, Math.Max(y0 - y, y - y1));
            if (dx * dx + dy * dy <= r * r) cells.Add((cx, cy));
        }
        return cells;
    }

    /// <summary>
    /// Runs <paramref name="act"/> and checks every cell's change counter: +1 exactly on the expected cells, +0 elsewhere.
    /// </summary>
    private async Task AssertTouchedCells(string space, (int, int)[] cells, Func<Task> act, HashSet<(int, int)> expected)
    {
        Assert.InRange(expected.Count, 1, 18);
        var before = (await Task.WhenAll(cells.Select(c => Cell(space, c).GetStatus()))).Select(s => s.ChangesApplied).ToArray();
        await act();
        var after = await Eventually.Until(
            async () => (await Task.WhenAll(cells.Select(c => Cell(space, c).GetStatus()))).Select(s => s.ChangesApplied).ToArray(),
            counts => cells.Select((c, k) => !expected.Contains(c) || counts[k] > before[k]).All(ok => ok),
            what: "every expected cell applied the change");
        for (int k = 0; k < cells.Length; k++)
        {
            long want = before[k] + (expected.Contains(cells[k]) ? 1 : 0);
            Assert.True(want == after[k], $"cell {cells[k]} applied {after[k] - before[k]} changes, expected {want - before[k]}");
        }
    }

    [Fact]
    public async Task Aggregates_equal_reference_values()
    {
        var space = NewSpace("agg");
        var config = new SpaceConfig { Width = 40, Height = 40, Background = "none", Clamp = false };
        var geometry = await CreateSpace(space, config);
        var random = new Random(11);
        var participants = new List<(double X, double Y, double A, double Phi, double R)>();
        var calls = new List<Task>();
        for (int k = 0; k < 25; k++)
        {
            var p = (X: random.NextDouble() * 40, Y: random.NextDouble() * 40, A: random.NextDouble(), Phi: random.NextDouble() * 6.28, R: random.NextDouble());
            participants.Add(p);
            calls.Add(Grains.GetGrain<INodeGrain>(Guid.NewGuid()).UpdateParticipant(space,
                new ParticipantUpdate { Frequency = 3, Amplitude = p.A, Phase = p.Phi, X = p.X, Y = p.Y, Resonance = p.R }));
        }
        var memories = new List<FieldSource>();
        for (int k = 0; k < 5; k++)
        {
            var m = new FieldSource(random.NextDouble() * 40, random.NextDouble() * 40, random.NextDouble(), 0);
            memories.Add(m);
            calls.Add(Grains.GetGrain<INodeGrain>(Guid.NewGuid()).Crystallize(space, new MemoryUpdate { Owner = Guid.NewGuid(), X = m.X, Y = m.Y, Influence = m.Strength }));
        }
        await Task.WhenAll(calls);

        double g = participants.Average(p => p.R);
        var phases = participants.Aggregate(default(PhaseSum), (s, p) => s + PhaseSum.Of(p.A, p.Phi));
        var sources = participants.Select(p => new FieldSource(p.X, p.Y, p.A, p.Phi)).Concat(memories).ToList();
        var composed = ReferenceField.Compose(geometry.Grid, ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources),
            new Composition(config.Beta, g, 0, BackgroundModes.None, false));
        double mean = composed.Average(), energy = composed.Average(v => v * v), min = composed.Min(), max = composed.Max();

        var tick = await Eventually.Until(
            () => Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(),
            t => t.ActiveNodes == 25 && t.MemoryNodes == 5 && Math.Abs(t.FieldMean - mean) <= 1e-9 && Math.Abs(t.GlobalResonance - g) <= 1e-9,
            what: "space aggregates converge");

        Assert.Equal(g, tick.GlobalResonance, 1e-9);
        Assert.Equal(phases.Coherence, tick.QuantumCoherence, 1e-9);
        Assert.Equal(phases.MeanPhase, tick.MeanPhase, 1e-9);
        Assert.Equal(min, tick.FieldMin, 1e-9);
        Assert.Equal(max, tick.FieldMax, 1e-9);
        Assert.Equal(mean, tick.FieldMean, 1e-9);
        Assert.Equal(energy, tick.FieldEnergy, 1e-9);
        Assert.NotEmpty(tick.Peaks);
        Assert.Equal(max, tick.Peaks[0].Intensity, 1e-9);
        foreach (var peak in tick.Peaks)
        {
            int i = (int)Math.Round(peak.X), j = (int)Math.Round(peak.Y);
            Assert.Equal(composed[j * 40 + i], peak.Intensity, 1e-9);
        }
        Assert.True(tick.Peaks.Zip(tick.Peaks.Skip(1)).All(p => p.First.Intensity >= p.Second.Intensity), "peaks are highest first");
    }

    [Fact]
    public async Task Invalid_input_is_rejected_and_changes_nothing()
    {
        var space = NewSpace("bad");
        await CreateSpace(space, new SpaceConfig { Width = 30, Height = 30 });
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        var good = new ParticipantUpdate { Frequency = 5, Amplitude = 0.5, Phase = 1, X = 3, Y = 4 };
        await node.UpdateParticipant(space, good);
        var before = await node.GetSnapshot();

        ParticipantUpdate[] bad =
        [
            good with { Amplitude = double.NaN },
            good with { Amplitude = 1.5 },
            good with { Frequency = 0 },
            good with { Frequency = double.PositiveInfinity },
            good with { Phase = double.NegativeInfinity },
            good with { X = 30, Y = 4 },
            good with { X = -0.1, Y = 4 },
            good with { X = 3, Y = null },
            good with { Resonance = -1 },
            good with { ConsciousnessIntent = "teleport" },
        ];
        foreach (var update in bad)
            await Assert.ThrowsAsync<ArgumentException>(() => node.UpdateParticipant(space, update));
        await Assert.ThrowsAsync<ArgumentException>(() => node.UpdateParticipant("Not A Space!", good));
        await Assert.ThrowsAsync<ArgumentException>(() => Grains.GetGrain<INodeGrain>(Guid.NewGuid()).Crystallize(space, new MemoryUpdate { X = 1, Y = 1 }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Crystallize(space, new MemoryUpdate { Owner = Guid.NewGuid(), X = 1, Y = 1 }));
        Assert.Equal(before, await node.GetSnapshot());

        var memory = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        var owner = Guid.NewGuid();
        await memory.Crystallize(space, new MemoryUpdate { Owner = owner, X = 10, Y = 10, Influence = 0.4 });
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => memory.Crystallize(space, new MemoryUpdate { Owner = Guid.NewGuid(), X = 12, Y = 10 }));
        var updated = await memory.Crystallize(space, new MemoryUpdate { Owner = owner, X = 12, Y = 10, Influence = 0.6, Content = "dawn" });
        Assert.Equal((12.0, 0.6, "dawn"), (updated.X, updated.Strength, updated.Content));
    }

    [Fact]
    public async Task Configuration_is_validated_and_fixed_once_read()
    {
        var space = NewSpace("cfg");
        var grain = Grains.GetGrain<ISpaceGrain>(space);
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Configure(new SpaceConfig { CellSize = 5, Cutoff = 10 }));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Configure(new SpaceConfig { Width = double.NaN }));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Configure(new SpaceConfig { Kernel = "sinc" }));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Configure(new SpaceConfig { Width = 30.5 }));
        var config = await grain.Configure(new SpaceConfig { Width = 50, Height = 20 });
        Assert.Equal(50, (await grain.GetConfig()).Width);
        Assert.Equal(config, await grain.Configure(new SpaceConfig { Width = 50, Height = 20 }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Configure(new SpaceConfig { Width = 60, Height = 20 }));
    }

    [Fact]
    public async Task A_participant_without_a_position_is_placed_deterministically_from_its_id()
    {
        var space = NewSpace("place");
        await CreateSpace(space, new SpaceConfig { Width = 30, Height = 30 });
        var id = Guid.NewGuid();
        await Grains.GetGrain<INodeGrain>(id).UpdateParticipant(space, new ParticipantUpdate { Frequency = 7.83, Amplitude = 0.7 });
        var first = (await Grains.GetGrain<INodeGrain>(id).GetSnapshot())!;
        Assert.InRange(first.X, 0, 30 - 1e-12);
        Assert.InRange(first.Y, 0, 30 - 1e-12);
        Assert.Equal(0.7, first.Resonance); // the existing app sends no resonance: r = amplitude
        Assert.Equal(Resonance.Grains.Nodes.NodePlacement.FromId(id, 30, 30), (first.X, first.Y));

        // Later updates without a position keep it.
        await Grains.GetGrain<INodeGrain>(id).UpdateParticipant(space, new ParticipantUpdate { Frequency = 7.83, Amplitude = 0.2 });
        var second = (await Grains.GetGrain<INodeGrain>(id).GetSnapshot())!;
        Assert.Equal((first.X, first.Y), (second.X, second.Y));
    }
}

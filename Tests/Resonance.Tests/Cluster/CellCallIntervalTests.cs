using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Hosting;
using Resonance.Grains.Routing;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary>One silo whose router calls a cell at most once a second, so coalescing is plain to see.</summary>
public sealed class SlowCellCallFixture : ClusterFixtureBase
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override short Silos => 1;

    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<Silo>();

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddResonanceGrains(o =>
            {
                o.ParticipantStaleAfter = TimeSpan.FromMinutes(1);
                o.CellCallInterval = Interval;
            }).AddResonanceMemoryStorage();
    }
}

/// <summary>
/// The router's call interval: a cell called a moment ago gets the changes that arrive meanwhile in one later call, the
/// latest per node, and a leave that follows updates is never overtaken by them.
/// </summary>
public sealed class CellCallIntervalTests(SlowCellCallFixture fixture) : IClassFixture<SlowCellCallFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task Updates_within_the_interval_reach_the_cell_in_fewer_calls_and_the_latest_wins()
    {
        var space = ClusterFieldTests.NewSpace("interval");
        await Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var geometry = SpaceGeometry.Create(await Grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var cell = Grains.GetGrain<ICellGrain>(CellKey.Format(space, 1, 1));
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        var rng = new Random(5);
        const int updates = 40;
        ParticipantUpdate last = null!;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int k = 0; k < updates; k++)
        {
            // Always inside the middle cell, so every update is a change for it.
            last = new ParticipantUpdate { Frequency = 2, Amplitude = 0.1 + 0.8 * rng.NextDouble(), Phase = rng.NextDouble() * 6, X = 12 + 6 * rng.NextDouble(), Y = 12 + 6 * rng.NextDouble() };
            await node.UpdateParticipant(space, last);
        }

        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel,
            [new FieldSource(last.X!.Value, last.Y!.Value, last.Amplitude, Phase.Normalize(last.Phase!.Value))]);
        await FieldSnapshot.AssertConverges(Grains, space, geometry, reference, "the field holds the last update");

        var status = await cell.GetStatus();
        // At most one call starts per interval: the first at once, then one per interval that passed.
        long allowed = 2 + (long)(clock.Elapsed / SlowCellCallFixture.Interval);
        Assert.Equal(1, status.Contributors);
        Assert.True(status.BatchesReceived <= allowed, $"{status.BatchesReceived} calls for {updates} updates in {clock.Elapsed}, at most {allowed} allowed");
        Assert.True(status.ChangesApplied < updates, $"{status.ChangesApplied} changes applied for {updates} updates");

        // Updates and then a leave inside one interval: the cell ends without the node.
        for (int k = 0; k < 5; k++)
            await node.UpdateParticipant(space, last with { X = 13 + k });
        await node.Remove();
        await Eventually.Until(async () => (await cell.GetStatus()).Contributors, n => n == 0, what: "the leave reached the cell");
        var field = await FieldSnapshot.Assemble(Grains, space, geometry);
        Assert.True(field.All(v => Math.Abs(v) <= 1e-9), "the field is empty after the leave");
    }

    [Fact]
    public async Task A_cell_that_goes_quiet_gives_back_its_change_map()
    {
        var router = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost!.Services.GetRequiredService<CellChangeRouter>();
        var space = ClusterFieldTests.NewSpace("quiet-map");
        await Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var geometry = SpaceGeometry.Create(await Grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        for (int k = 0; k < 5; k++)
            await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, Phase = 1, X = 14 + k, Y = 15 });
        await FieldSnapshot.AssertConverges(Grains, space, geometry,
            ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, [new FieldSource(18, 15, 0.5, 1)]), "the last update reached the cells");

        // Busy cells keep their emptied maps for the next changes; once quiet, the router lets them go by itself.
        await Eventually.Until(() => Task.FromResult(router.HeldChangeMaps), n => n == 0, what: "every quiet cell's change map released");
    }

    [Fact]
    public async Task A_small_batch_after_a_large_one_carries_only_its_own_changes()
    {
        // The router reuses a cell's batch memory from call to call: a later, smaller batch must not carry the earlier
        // batch's changes along (re-applied at their own version, they would count as applied again).
        var space = ClusterFieldTests.NewSpace("reuse");
        await Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        var cell = Grains.GetGrain<ICellGrain>(CellKey.Format(space, 1, 1));
        var nodes = Enumerable.Range(0, 20).Select(_ => Grains.GetGrain<INodeGrain>(Guid.NewGuid())).ToArray();
        var rng = new Random(9);
        ParticipantUpdate At() => new() { Frequency = 2, Amplitude = 0.5, Phase = 1, X = 11 + 8 * rng.NextDouble(), Y = 11 + 8 * rng.NextDouble() };
        // One call at once, the rest within the interval: a large second batch.
        foreach (var node in nodes) await node.UpdateParticipant(space, At());
        var before = await Eventually.Until(() => cell.GetStatus(), s => s.Contributors == nodes.Length, what: "all 20 nodes in the cell");
        Assert.True(before.BatchesReceived < nodes.Length, $"{before.BatchesReceived} calls for {nodes.Length} nodes: nothing was batched");

        await nodes[3].UpdateParticipant(space, At());
        var after = await Eventually.Until(() => cell.GetStatus(), s => s.ChangesApplied > before.ChangesApplied, what: "the one update applied");
        Assert.Equal(before.ChangesApplied + 1, after.ChangesApplied);
        Assert.Equal(nodes.Length, after.Contributors);
    }
}

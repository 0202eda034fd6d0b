using Orleans.TestingHost;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Hosting;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Cluster;

/// <summary>Two silos whose spaces go idle after a short grace, and whose observer subscriptions expire quickly.</summary>
public sealed class IdleClusterFixture : ClusterFixtureBase
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(3);

    protected override short Silos => 2;

    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<Silo>();

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddResonanceGrains(o =>
            {
                o.ParticipantStaleAfter = TimeSpan.FromMinutes(1);
                o.SpaceIdleGrace = Grace;
                o.ObserverExpiry = ObserverExpiry;
            }).AddResonanceMemoryStorage();
    }
}

/// <summary>
/// Idle things cost nothing: a space nobody uses stops ticking and deactivates (and comes back as it was), while memory
/// nodes and observers keep it working. Activations are read from the management grain, which never calls the space.
/// </summary>
public sealed class IdleSpaceTests(IdleClusterFixture fixture) : IClassFixture<IdleClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IGrainFactory Grains => fixture.Grains;

    private async Task<bool> IsActive(IAddressable grain)
    {
        var id = grain.GetGrainId();
        var stats = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.Any(s => s.GrainId == id);
    }

    private async Task<int> ActiveOf(string space)
    {
        var stats = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.Count(s => s.GrainId.Key.ToString() is { } key && (key == space || key.StartsWith(space + "/", StringComparison.Ordinal)));
    }

    private async Task<SpaceConfig> CreateSpace(string space)
    {
        var grain = Grains.GetGrain<ISpaceGrain>(space);
        await grain.Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none" });
        return await grain.GetConfig();
    }

    /// <summary>Holds while the window lasts: the grain stays active the whole time (checked without calling it).</summary>
    private async Task StaysActive(IAddressable grain, TimeSpan window, string what)
    {
        var until = DateTime.UtcNow + window;
        await Eventually.Until(async () =>
        {
            Assert.True(await IsActive(grain), $"{what}: deactivated");
            return DateTime.UtcNow;
        }, now => now >= until, timeout: window + Deadline, what: what);
    }

    [Fact]
    public async Task A_space_visited_by_one_participant_that_left_deactivates_and_comes_back_with_its_configuration()
    {
        var space = ClusterFieldTests.NewSpace("idle-left");
        var config = await CreateSpace(space);
        var spaceGrain = Grains.GetGrain<ISpaceGrain>(space);
        var node = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.7, Phase = 1, X = 12, Y = 14 });
        await Eventually.Until(() => spaceGrain.GetLatestTick(), t => t.ActiveNodes == 1, what: "the participant counted");
        Assert.True(await IsActive(node));

        await node.Remove();

        // The space, its cells and the participant's node grain all go away.
        await Eventually.Until(() => ActiveOf(space), n => n == 0, Deadline, "space and cells deactivated");
        await Eventually.Until(() => IsActive(node), a => !a, Deadline, "participant node deactivated");

        // Next use brings it back as it was: same configuration, same clock epoch.
        var again = await spaceGrain.GetConfig();
        Assert.Equal(config, again);
        Assert.Equal(config.EpochUnixMs, again.EpochUnixMs);
        Assert.True(await IsActive(spaceGrain));
        var tick = await Eventually.Until(() => spaceGrain.GetLatestTick(), t => t.Seq > 0, what: "the revived space ticks");
        Assert.Equal(0, tick.ActiveNodes);

        // And it works as before: a new participant is counted.
        var next = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await next.UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = 0.4, X = 3, Y = 3 });
        await Eventually.Until(() => spaceGrain.GetLatestTick(), t => t.ActiveNodes == 1, what: "a new participant counted after revival");
        await next.Remove();
        await Eventually.Until(() => ActiveOf(space), n => n == 0, Deadline, "idle again");
    }

    [Fact]
    public async Task A_space_holding_a_memory_node_keeps_working_and_its_field_stays_intact()
    {
        var space = ClusterFieldTests.NewSpace("idle-mem");
        var config = await CreateSpace(space);
        var geometry = SpaceGeometry.Create(config);
        var spaceGrain = Grains.GetGrain<ISpaceGrain>(space);
        var memory = Grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await memory.Crystallize(space, new MemoryUpdate { Owner = Guid.NewGuid(), X = 17, Y = 8, Influence = 0.6 });
        var before = await Eventually.Until(() => spaceGrain.GetLatestTick(), t => t.MemoryNodes == 1, what: "the memory node counted");

        // Several graces without any call to the space: its cells' reports keep it going.
        await StaysActive(spaceGrain, 4 * IdleClusterFixture.Grace, "space with a memory node");

        var after = await spaceGrain.GetLatestTick();
        Assert.Equal(1, after.MemoryNodes);
        Assert.True(after.Seq > before.Seq, $"the same activation kept ticking (seq {before.Seq} -> {after.Seq})");
        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, [new FieldSource(17, 8, 0.6, 0)]);
        var field = await FieldSnapshot.Assemble(Grains, space, geometry);
        Assert.True(FieldSnapshot.MaxAbsDiff(field, reference) <= 1e-9, FieldSnapshot.DescribeDiff(field, reference, geometry.Grid.Columns));

        // Once the memory node is gone, the space goes idle too.
        await memory.Remove();
        await Eventually.Until(() => ActiveOf(space), n => n == 0, Deadline, "space idle after its memory node left");
    }

    [Fact]
    public async Task A_space_with_a_subscribed_observer_keeps_ticking_and_deactivates_after_it_unsubscribes()
    {
        var space = ClusterFieldTests.NewSpace("idle-obs");
        await CreateSpace(space);
        var spaceGrain = Grains.GetGrain<ISpaceGrain>(space);
        var observer = new TickCounter();
        var client = fixture.Cluster.Client;
        var reference = client.CreateObjectReference<ISpaceObserver>(observer);
        try
        {
            await spaceGrain.Subscribe(reference);
            var first = await Eventually.Until(() => Task.FromResult(observer.Last), t => t is not null, what: "first tick");
            // Ticks keep coming for several graces from one activation; nothing but the subscription (renewed like a
            // gateway renews it, well within its expiry) uses the space.
            var renewed = DateTime.UtcNow;
            var last = await Eventually.Until(async () =>
            {
                if (DateTime.UtcNow - renewed >= IdleClusterFixture.ObserverExpiry / 3)
                {
                    renewed = DateTime.UtcNow;
                    await spaceGrain.Subscribe(reference);
                }
                return observer.Last!;
            }, t => t.TimestampUtc - first!.TimestampUtc >= 4 * IdleClusterFixture.Grace, timeout: Deadline, what: "ticks over several graces");
            Assert.True(last.Seq > first!.Seq);
            Assert.True(await IsActive(spaceGrain));

            await spaceGrain.Unsubscribe(reference);
            await Eventually.Until(() => IsActive(spaceGrain), a => !a, Deadline, "space idle after the observer unsubscribed");
        }
        finally
        {
            client.DeleteObjectReference<ISpaceObserver>(reference);
        }
    }

    [Fact]
    public async Task An_observer_that_is_never_renewed_expires_and_no_longer_keeps_the_space()
    {
        var space = ClusterFieldTests.NewSpace("idle-exp");
        await CreateSpace(space);
        var spaceGrain = Grains.GetGrain<ISpaceGrain>(space);
        var observer = new TickCounter();
        var client = fixture.Cluster.Client;
        var reference = client.CreateObjectReference<ISpaceObserver>(observer);
        try
        {
            await spaceGrain.Subscribe(reference);
            await Eventually.Until(() => Task.FromResult(observer.Last), t => t is not null, what: "first tick");
            await Eventually.Until(() => IsActive(spaceGrain), a => !a, Deadline, "space idle once the subscription expired");
        }
        finally
        {
            client.DeleteObjectReference<ISpaceObserver>(reference);
        }
    }

    [Fact]
    public async Task A_cell_kept_only_by_a_field_observer_does_not_keep_its_space_awake()
    {
        var space = ClusterFieldTests.NewSpace("idle-cell");
        await CreateSpace(space);
        var spaceGrain = Grains.GetGrain<ISpaceGrain>(space);
        var cell = Grains.GetGrain<ICellGrain>(CellKey.Format(space, 1, 1));
        var tiles = new TileCounter();
        var client = fixture.Cluster.Client;
        var reference = client.CreateObjectReference<IFieldObserver>(tiles);
        try
        {
            await cell.SubscribeField(reference);
            await Eventually.Until(() => Task.FromResult(tiles.Count), n => n > 0, what: "the first tile");

            await Eventually.Until(() => IsActive(spaceGrain), a => !a, Deadline, "space idle while only a field observer watches a cell");
            Assert.True(await IsActive(cell), "the observed cell stays");
            Assert.Equal(1, (await cell.GetStatus()).Observers);

            await cell.UnsubscribeField(reference);
            await Eventually.Until(() => IsActive(cell), a => !a, Deadline, "the cell leaves once unobserved");
            Assert.False(await IsActive(spaceGrain), "the cell's departure did not wake its space");
        }
        finally
        {
            client.DeleteObjectReference<IFieldObserver>(reference);
        }
    }

    private sealed class TickCounter : ISpaceObserver
    {
        private readonly Lock _lock = new();
        public SpaceTick? Last { get; private set; }

        public Task OnTick(SpaceTick tick)
        {
            lock (_lock)
                if (Last is null || tick.Seq > Last.Seq) Last = tick;
            return Task.CompletedTask;
        }
    }

    private sealed class TileCounter : IFieldObserver
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public Task OnTile(TileFrame frame)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }
    }
}

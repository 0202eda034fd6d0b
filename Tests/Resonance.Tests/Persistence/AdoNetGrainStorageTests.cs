using Orleans.Storage;
using Resonance.Grains;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Nodes;

namespace Resonance.Tests.Persistence;

/// <summary>
/// Grain state through Orleans' ADO.NET provider with this project's SQL, against real PostgreSQL and a real SQLite
/// file: versions, conflicts, deletion, concurrent first writes and a second silo on the same database.
/// </summary>
public sealed class AdoNetGrainStorageTests
{
    public static TheoryData<string> Dialects() => new() { "postgres", "sqlite" };

    private static GrainState<NodeState> Node(double x, Guid? partner = null) => new(new NodeState
    {
        Snapshot = new NodeSnapshot { Id = Guid.NewGuid(), Kind = NodeKind.Memory, Space = "s", X = x, Y = 2.5, Strength = 0.75, Content = "kept", Live = true, Version = 42 },
        Partners = partner is { } p ? [p] : [],
    });

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task State_round_trips_with_versions_and_a_stale_or_second_first_write_is_a_conflict(string dialect)
    {
        var db = await StorageSilo.FreshDatabaseAsync(dialect);
        await using var silo = await StorageSilo.StartAsync(db);
        var storage = silo.Storage;

        var id = GrainId.Create("node", Guid.NewGuid().ToString("N"));
        var empty = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", id, empty);
        Assert.False(empty.RecordExists);
        Assert.Null(empty.ETag);

        var partner = Guid.NewGuid();
        var written = Node(1.25, partner);
        await storage.WriteStateAsync("node", id, written);
        Assert.True(written.RecordExists);
        string first = written.ETag!;
        written.State!.Snapshot = written.State!.Snapshot! with { X = 3.5 };
        await storage.WriteStateAsync("node", id, written);
        Assert.NotEqual(first, written.ETag);

        var read = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(written.State!.Snapshot, read.State!.Snapshot);
        Assert.Equal([partner], read.State!.Partners);

        // A writer holding an old version loses instead of overwriting newer state, and changes nothing.
        var stale = new GrainState<NodeState>(new NodeState(), first) { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", id, stale));
        // So does a second "first" write (another activation that never read).
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", id, new GrainState<NodeState>(new NodeState())));
        var after = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", id, after);
        Assert.Equal((written.ETag, 3.5), (after.ETag, after.State!.Snapshot!.X));

        // Clearing deletes exactly this grain's row; a later first write starts it again.
        var other = GrainId.Create("node", Guid.NewGuid().ToString("N"));
        await storage.WriteStateAsync("node", other, Node(9));
        await storage.ClearStateAsync("node", id, read);
        Assert.False(read.RecordExists);
        Assert.Equal(1, await silo.CountAsync($"SELECT count(*) FROM {GrainStateSql.Table}"));
        var gone = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", id, gone);
        Assert.False(gone.RecordExists);
        var kept = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", other, kept);
        Assert.Equal(9, kept.State!.Snapshot!.X);
        // A write of the deleted state by a holder of its old version is a conflict, not a silent re-insert.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", id, after));
        var again = Node(4);
        await storage.WriteStateAsync("node", id, again);
        Assert.Equal(2, await silo.CountAsync($"SELECT count(*) FROM {GrainStateSql.Table}"));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Concurrent_first_writes_of_one_grain_store_one_row_and_all_but_one_writer_get_a_conflict(string dialect)
    {
        var db = await StorageSilo.FreshDatabaseAsync(dialect);
        await using var silo = await StorageSilo.StartAsync(db);
        // A second silo on the same database (its schema step runs again) races the first one's writers.
        await using var second = await StorageSilo.StartAsync(db);
        var id = GrainId.Create("node", Guid.NewGuid().ToString("N"));

        var writers = Enumerable.Range(0, 16).Select(async k =>
        {
            var state = Node(k);
            try
            {
                await (k % 2 == 0 ? silo : second).Storage.WriteStateAsync("node", id, state);
                return (Won: true, X: (double)k);
            }
            catch (InconsistentStateException)
            {
                return (Won: false, X: (double)k);
            }
        }).ToArray();
        var results = await Task.WhenAll(writers);

        var winner = Assert.Single(results, r => r.Won);
        Assert.Equal(1, await silo.CountAsync($"SELECT count(*) FROM {GrainStateSql.Table}"));
        var read = new GrainState<NodeState>();
        await second.Storage.ReadStateAsync("node", id, read);
        Assert.Equal(winner.X, read.State!.Snapshot!.X);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task The_provider_runs_this_projects_statements_from_OrleansQuery(string dialect)
    {
        var db = await StorageSilo.FreshDatabaseAsync(dialect);
        await using var silo = await StorageSilo.StartAsync(db);
        foreach (string key in GrainStateSql.QueryKeys)
            Assert.Equal(1, await silo.CountAsync($"SELECT count(*) FROM OrleansQuery WHERE QueryKey = '{key}'"));
        // Rows land in this project's table, keyed by the full grain identity (Guid keys in N0/N1, string keys as text).
        await silo.Storage.WriteStateAsync("node", GrainId.Create("node", Guid.NewGuid().ToString("N")), Node(1));
        await silo.Storage.WriteStateAsync("cell", GrainId.Create("cell", "space-a/1/2"), new GrainState<Resonance.Grains.Cells.CellState>(new()));
        Assert.Equal(1, await silo.CountAsync($"SELECT count(*) FROM {GrainStateSql.Table} WHERE state_name = 'node' AND grain_key = '' AND (grain_n0 <> 0 OR grain_n1 <> 0)"));
        Assert.Equal(1, await silo.CountAsync($"SELECT count(*) FROM {GrainStateSql.Table} WHERE state_name = 'cell' AND grain_key = 'space-a/1/2'"));
    }
}

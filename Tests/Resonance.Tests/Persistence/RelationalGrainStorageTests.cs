using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using Resonance.Grains;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Nodes;
using Resonance.Tests.Services;

namespace Resonance.Tests.Persistence;

/// <summary>The grain-state store against real PostgreSQL and a real SQLite file.</summary>
public sealed class RelationalGrainStorageTests
{
    private static readonly IGrainStorageSerializer Serializer = new OrleansGrainStorageSerializer(
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>());

    private sealed class Held<T> : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = default!;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    public static TheoryData<string> Dialects() => new() { "postgres", "sqlite" };

    private static async Task<(StorageDialect, string)> Database(string dialect) => dialect == "postgres"
        ? (StorageDialect.Postgres, await TestServices.CreateDatabaseAsync("grains"))
        : (StorageDialect.Sqlite, $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("grains-").FullName, "g.db")}");

    private static RelationalGrainStorage Open((StorageDialect Dialect, string ConnectionString) db) =>
        new("t", db.Dialect, db.ConnectionString, "svc", Serializer, NullLogger<RelationalGrainStorage>.Instance);

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task State_round_trips_with_etags_and_the_schema_applies_twice_harmlessly(string dialect)
    {
        var db = await Database(dialect);
        var storage = Open(db);
        await storage.EnsureSchemaAsync();
        // A second application of the schema (a second silo starting, a restart) changes nothing.
        var again = Open(db);
        await again.EnsureSchemaAsync();

        var id = GrainId.Create("node", Guid.NewGuid().ToString("N"));
        var empty = new Held<NodeState>();
        await storage.ReadStateAsync("node", id, empty);
        Assert.False(empty.RecordExists);
        Assert.Null(empty.ETag);

        var partner = Guid.NewGuid();
        var written = new Held<NodeState>
        {
            State = new NodeState
            {
                Snapshot = new NodeSnapshot { Id = Guid.NewGuid(), Kind = NodeKind.Memory, Space = "s", X = 1.25, Y = 2.5, Strength = 0.75, Content = "kept", Live = true, Version = 42 },
                Partners = [partner],
            },
        };
        await storage.WriteStateAsync("node", id, written);
        Assert.True(written.RecordExists);
        written.State.Snapshot = written.State.Snapshot! with { X = 3.5 };
        await storage.WriteStateAsync("node", id, written);

        var read = new Held<NodeState>();
        await storage.ReadStateAsync("node", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(written.State.Snapshot, read.State.Snapshot);
        Assert.Equal([partner], read.State.Partners);

        // A writer holding an old etag loses instead of overwriting newer state.
        var stale = new Held<NodeState> { State = new NodeState(), ETag = "1", RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", id, stale));
        // So does a second "first" write.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", id, new Held<NodeState> { State = new NodeState() }));

        // State names and grains are separate rows; clearing removes exactly one.
        var other = GrainId.Create("node", Guid.NewGuid().ToString("N"));
        await again.WriteStateAsync("node", other, new Held<NodeState> { State = new NodeState() });
        await storage.ClearStateAsync("node", id, read);
        Assert.False(read.RecordExists);
        var gone = new Held<NodeState>();
        await storage.ReadStateAsync("node", id, gone);
        Assert.False(gone.RecordExists);
        var kept = new Held<NodeState>();
        await again.ReadStateAsync("node", other, kept);
        Assert.True(kept.RecordExists);
    }
}

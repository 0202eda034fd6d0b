using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using Resonance.Grains;
using Resonance.Grains.Nodes;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Resonance.Tests.Services;

namespace Resonance.Tests.Persistence;

/// <summary>
/// Data written by the previous storage layout (the fixtures in <c>Persistence/Fixtures</c>, made by that version) is all
/// there after an upgrade: every memory node, cell and space state, and every event; a second start moves nothing again.
/// </summary>
public sealed class StorageUpgradeTests
{
    private static string Fixtures => Path.Combine(SiloProcess.RepositoryRoot(), "Tests", "Resonance.Tests", "Persistence", "Fixtures");

    [Fact]
    public async Task An_embedded_data_directory_of_the_previous_layout_keeps_every_memory_node_and_event()
    {
        string data = Directory.CreateTempSubdirectory("resonance-upgrade-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Fixtures, "embedded-v1")))
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        var (nodes, events) = ReadLegacySqlite(data);
        Assert.NotEmpty(nodes);
        Assert.NotEmpty(events);
        long legacyRows = SqliteScalar(data, "SELECT count(*) FROM resonance_grain_state");

        var first = await GatewayHost.StartAsync(dataDirectory: data);
        try
        {
            await CheckAsync(first, nodes, events);
        }
        finally
        {
            await first.StopAsync();
        }
        Assert.Equal(legacyRows, SqliteScalar(data, "SELECT rows_moved FROM resonance_migrations WHERE name = 'resonance_grain_state to grain_state'"));
        // The old table, a plaintext backup of the move, is gone once the content is sealed.
        Assert.Equal(0L, SqliteScalar(data, "SELECT count(*) FROM sqlite_master WHERE name = 'resonance_grain_state'"));
        // A restart reads the new table only; the move is recorded once.
        await using var second = await GatewayHost.StartAsync(samePortsAs: first);
        await CheckAsync(second, nodes, events);
        Assert.Equal(legacyRows, SqliteScalar(data, "SELECT rows_moved FROM resonance_migrations WHERE name = 'resonance_grain_state to grain_state'"));
        // Every legacy row moved, plus one subject (memory index) per owner.
        Assert.Equal(legacyRows, SqliteScalar(data, "SELECT count(*) FROM grain_state WHERE state_name <> 'subject'"));
        GatewayHost.DeleteData(data);
    }

    [Fact]
    public async Task A_postgres_database_of_the_previous_layout_keeps_every_memory_node_and_event()
    {
        string db = await TestServices.CreateDatabaseAsync("upgrade");
        Restore(db, Path.Combine(Fixtures, "postgres-v1", "dump.sql"));
        var (nodes, events) = await ReadLegacyPostgres(db);
        Assert.NotEmpty(nodes);
        Assert.NotEmpty(events);
        long legacyRows;
        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM resonance_grain_state", connection);
            legacyRows = (long)(await count.ExecuteScalarAsync())!;
        }

        var settings = new Dictionary<string, string?> { ["Resonance:Storage:Postgres"] = db };
        var first = await GatewayHost.StartAsync(settings);
        try
        {
            await CheckAsync(first, nodes, events);
        }
        finally
        {
            await first.StopAsync();
        }
        await using var second = await GatewayHost.StartAsync(settings, samePortsAs: first);
        await CheckAsync(second, nodes, events);
        await using var after = new NpgsqlConnection(db);
        await after.OpenAsync();
        await using var moved = new NpgsqlCommand("SELECT rows_moved FROM resonance_migrations WHERE name = 'resonance_grain_state to grain_state'", after);
        Assert.Equal(legacyRows, (long)(await moved.ExecuteScalarAsync())!);
        await using var gone = new NpgsqlCommand("SELECT to_regclass('resonance_grain_state') IS NULL", after);
        Assert.True((bool)(await gone.ExecuteScalarAsync())!);
    }

    private static async Task CheckAsync(GatewayHost host, Dictionary<Guid, (double X, double Y, string? Content)> nodes, HashSet<Guid> events)
    {
        foreach (var (id, expected) in nodes)
        {
            var node = await host.Grains.GetGrain<INodeGrain>(id).GetSnapshot();
            Assert.NotNull(node);
            Assert.True(node!.Live);
            Assert.Equal(expected, (node.X, node.Y, node.Content));
        }
        // The space's cells (their state moved too) hold every memory node again.
        await Eventually.Until(() => host.Grains.GetGrain<ISpaceGrain>("global").GetLatestTick(), t => t.MemoryNodes == nodes.Count, what: "every memory node counted");
        using var http = new HttpClient { BaseAddress = host.Http };
        var listed = JsonDocument.Parse(await http.GetStringAsync("/api/spaces/global/nodes")).RootElement.GetProperty("nodes")
            .EnumerateArray().Select(n => n.GetProperty("id").GetGuid()).ToHashSet();
        Assert.Superset(nodes.Keys.ToHashSet(), listed);
        var stored = JsonDocument.Parse(await http.GetStringAsync("/api/spaces/global/events?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&limit=1000"))
            .RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetGuid()).ToHashSet();
        Assert.Equal(events, stored);
    }

    // The old layout's payloads, decoded here independently of the server: the expected nodes.
    private static readonly IGrainStorageSerializer Serializer = new OrleansGrainStorageSerializer(
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>());

    private static void AddNode(Dictionary<Guid, (double, double, string?)> nodes, string grainId, byte[] payload)
    {
        var state = Serializer.Deserialize<NodeState>(new BinaryData(payload));
        var snapshot = state!.Snapshot!;
        Assert.Equal(Guid.Parse(grainId["node/".Length..]), snapshot.Id);
        if (snapshot.Kind == NodeKind.Memory && snapshot.Live) nodes[snapshot.Id] = (snapshot.X, snapshot.Y, snapshot.Content);
    }

    private static (Dictionary<Guid, (double, double, string?)>, HashSet<Guid>) ReadLegacySqlite(string data)
    {
        var nodes = new Dictionary<Guid, (double, double, string?)>();
        var events = new HashSet<Guid>();
        using (var grains = new SqliteConnection($"Data Source={Path.Combine(data, "grains.db")};Pooling=False"))
        {
            grains.Open();
            using var read = grains.CreateCommand();
            read.CommandText = "SELECT grain_id, payload FROM resonance_grain_state WHERE state_name = 'node'";
            using var reader = read.ExecuteReader();
            while (reader.Read()) AddNode(nodes, reader.GetString(0), (byte[])reader.GetValue(1));
        }
        using (var store = new SqliteConnection($"Data Source={Path.Combine(data, "events.db")};Pooling=False"))
        {
            store.Open();
            using var read = store.CreateCommand();
            read.CommandText = "SELECT event_id FROM consciousness_events WHERE space = 'global'";
            using var reader = read.ExecuteReader();
            while (reader.Read()) events.Add(Guid.Parse(reader.GetString(0)));
        }
        return (nodes, events);
    }

    private static async Task<(Dictionary<Guid, (double, double, string?)>, HashSet<Guid>)> ReadLegacyPostgres(string db)
    {
        var nodes = new Dictionary<Guid, (double, double, string?)>();
        var events = new HashSet<Guid>();
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using (var read = new NpgsqlCommand("SELECT grain_id, payload FROM resonance_grain_state WHERE state_name = 'node'", connection))
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync()) AddNode(nodes, reader.GetString(0), (byte[])reader.GetValue(1));
        await using (var read = new NpgsqlCommand("SELECT id FROM consciousness_events WHERE space = 'global'", connection))
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync()) events.Add(reader.GetGuid(0));
        return (nodes, events);
    }

    private static long SqliteScalar(string data, string sql)
    {
        using var grains = new SqliteConnection($"Data Source={Path.Combine(data, "grains.db")};Pooling=False");
        grains.Open();
        using var read = grains.CreateCommand();
        read.CommandText = sql;
        return (long)read.ExecuteScalar()!;
    }

    /// <summary>Loads a plain pg_dump with psql (its COPY blocks need the client), stopping at the first error.</summary>
    private static void Restore(string db, string dump)
    {
        var cs = new NpgsqlConnectionStringBuilder(db);
        var info = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-q", "-v", "ON_ERROR_STOP=1", "-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, "-d", cs.Database!, "-f", dump })
            info.ArgumentList.Add(arg);
        using var psql = Process.Start(info)!;
        string output = psql.StandardOutput.ReadToEnd() + psql.StandardError.ReadToEnd();
        psql.WaitForExit();
        Assert.True(psql.ExitCode == 0, $"psql restore failed: {output}");
    }
}

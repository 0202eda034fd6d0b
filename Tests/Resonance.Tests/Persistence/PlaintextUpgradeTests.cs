using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Privacy;
using Resonance.Tests.Processes;
using Resonance.Tests.Services;

namespace Resonance.Tests.Persistence;

/// <summary>
/// Data the version before encryption at rest wrote (fixtures <c>embedded-v2</c>, <c>postgres-v2</c>, made by that
/// build) holds its secrets in plaintext; after an upgrade they are sealed, once, everything still reads the same, and
/// the memory node is in its owner's index.
/// </summary>
public sealed class PlaintextUpgradeTests
{
    private const string MemorySecret = "SECRET-MEMORY-v2-opal-lantern";
    private const string EventSecret = "SECRET-EVENT-v2-violet-harbor";
    private static readonly Guid MemoryId = Guid.Parse("6b1f8a52-3c1e-4c8e-9a57-0d2b7c1e4f11");
    private static string Fixtures => Path.Combine(SiloProcess.RepositoryRoot(), "Tests", "Resonance.Tests", "Persistence", "Fixtures");

    [Fact]
    public async Task An_embedded_data_directory_with_plaintext_payloads_is_sealed_on_upgrade()
    {
        string data = TempDirectories.Create("resonance-seal-");
        foreach (var file in Directory.GetFiles(Path.Combine(Fixtures, "embedded-v2")))
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        Assert.Equal(["events.db", "grains.db"], RawStores.FilesContaining(data, MemorySecret).Concat(RawStores.FilesContaining(data, EventSecret)).Distinct().Order());

        var first = await GatewayHost.StartAsync(dataDirectory: data);
        try
        {
            await CheckAsync(first);
            Assert.Empty(RawStores.FilesContaining(data, MemorySecret));
            Assert.Empty(RawStores.FilesContaining(data, EventSecret));
        }
        finally
        {
            await first.StopAsync();
        }
        Assert.Equal(3L, Sqlite(data, "events.db", "SELECT rows_moved FROM resonance_migrations WHERE name = 'seal event payloads'"));
        Assert.Equal(1L, Sqlite(data, "grains.db", "SELECT rows_moved FROM resonance_migrations WHERE name = 'seal memory content'"));
        Assert.Equal(0L, Sqlite(data, "events.db", "SELECT count(*) FROM consciousness_events WHERE typeof(data) <> 'blob'"));
        // A restart seals nothing again and reads the same.
        await using var second = await GatewayHost.StartAsync(samePortsAs: first);
        await CheckAsync(second);
        Assert.Equal(1L, Sqlite(data, "events.db", "SELECT count(*) FROM resonance_migrations"));
        Assert.Empty(RawStores.FilesContaining(data, MemorySecret));
    }

    [Fact]
    public async Task A_postgres_database_with_plaintext_payloads_is_sealed_on_upgrade()
    {
        string db = await TestServices.CreateDatabaseAsync("seal");
        Restore(db, Path.Combine(Fixtures, "postgres-v2", "dump.sql"));
        Assert.True(RawStores.DumpContains(RawStores.Dump(db), MemorySecret));
        Assert.True(RawStores.DumpContains(RawStores.Dump(db), EventSecret));

        var settings = new Dictionary<string, string?> { ["Resonance:Storage:Postgres"] = db };
        var first = await GatewayHost.StartAsync(settings);
        try
        {
            await CheckAsync(first);
        }
        finally
        {
            await first.StopAsync();
        }
        string dump = RawStores.Dump(db);
        Assert.False(RawStores.DumpContains(dump, MemorySecret));
        Assert.False(RawStores.DumpContains(dump, EventSecret));
        await using var second = await GatewayHost.StartAsync(settings, dataDirectory: first.DataDirectory);
        await CheckAsync(second);
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var type = new NpgsqlCommand("SELECT data_type FROM information_schema.columns WHERE table_name = 'consciousness_events' AND column_name = 'event_data'", connection);
        Assert.Equal("bytea", await type.ExecuteScalarAsync());
        await using var marks = new NpgsqlCommand("SELECT name, rows_moved FROM resonance_migrations WHERE name LIKE 'seal%' ORDER BY name", connection);
        var found = new List<(string, long)>();
        await using (var reader = await marks.ExecuteReaderAsync())
            while (await reader.ReadAsync()) found.Add((reader.GetString(0), reader.GetInt64(1)));
        Assert.Equal([("seal event payloads", 3L), ("seal memory content", 1L)], found);
    }

    private static async Task CheckAsync(GatewayHost host)
    {
        var node = await host.Grains.GetGrain<INodeGrain>(MemoryId).GetSnapshot();
        Assert.Equal((true, MemorySecret), (node!.Live, node.Content));
        var owner = node.Owner!.Value;
        Assert.Contains(MemoryId, await host.Grains.GetGrain<ISubjectGrain>(owner).GetMemoryNodes());
        var events = await host.Grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery("global", DateTime.UtcNow.AddDays(-30), DateTime.UtcNow.AddDays(1), 100));
        Assert.Equal(3, events.Length);
        Assert.All(events, e => Assert.Equal((owner, EventSecret), (e.Event.UserId, JsonDocument.Parse(e.Event.DataJson).RootElement.GetProperty("note").GetString())));
        var export = await host.Grains.GetGrain<ISubjectGrain>(owner).Export();
        Assert.Equal(3, export.Events.Length);
        Assert.Equal(MemorySecret, Assert.Single(export.MemoryNodes).Content);
        await Eventually.Until(() => host.Grains.GetGrain<ISpaceGrain>("global").GetLatestTick(), t => t.MemoryNodes == 1, what: "the memory node in the field");
    }

    private static long Sqlite(string data, string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, file)};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = sql;
        return (long)read.ExecuteScalar()!;
    }

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

using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Resonance.Grains;
using Resonance.Grains.Privacy;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Services;

namespace Resonance.Tests.Privacy;

/// <summary>
/// Encryption at rest, export and erasure against the real stores of the embedded default (SQLite files) and of
/// production (PostgreSQL): a known secret never appears in the raw files or a dump, before or after erasure; the
/// export equals what is stored; after erasure the payloads have no key any more and the memory node is gone
/// everywhere.
/// </summary>
public sealed class EncryptionAtRestTests
{
    private const string Space = "privacy";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Secrets_are_never_on_disk_the_export_is_what_is_stored_and_erasure_leaves_nothing_readable(string dialect)
    {
        string? db = dialect == "postgres" ? await TestServices.CreateDatabaseAsync("privacy") : null;
        var settings = new Dictionary<string, string?>();
        if (db is not null) settings["Resonance:Storage:Postgres"] = db;
        await using var gateway = await GatewayHost.StartAsync(settings);
        string secretMemory = $"memory-secret-{Guid.NewGuid():N}", secretEvent = $"event-secret-{Guid.NewGuid():N}";

        var identity = await Identity.CreateAsync(gateway.Http);
        var user = identity.UserId;
        using var me = identity.Client(gateway.Http);
        await using var client = await WsClient.ConnectAsync(identity.WithToken(new Uri(gateway.WebSocket + $"?space={Space}")));
        var established = (await client.WaitForTypeAsync("connection_established")).Json;
        Assert.Equal(user, established.GetProperty("subject").GetGuid());
        var publicId = established.GetProperty("userId").GetGuid();
        await client.SendAsync(new { type = "harmonic_stream", frequency = 440, amplitude = 0.5, phase = 0.1 });
        await client.SendAsync(new { type = "memory_crystallize", x = 7, y = 9, harmonic = 528, influence = 0.8, content = secretMemory, archetype = "seer" });
        var memoryId = (await client.WaitForTypeAsync("memory_crystallized")).Json.GetProperty("memoryId").GetGuid();
        var sent = new Dictionary<Guid, int>();
        for (int k = 0; k < 3; k++)
        {
            await client.SendAsync(new { type = "consciousness_event", eventType = "insight", data = new { note = secretEvent, k }, x = 3.0 + k, y = 4.0, ackId = $"e{k}" });
            var ack = await client.WaitForAsync(m => m.Type == "ack" && m.Json.GetProperty("ackId").GetString() == $"e{k}");
            sent[ack.Json.GetProperty("eventId").GetGuid()] = k;
        }
        var subject = gateway.Grains.GetGrain<ISubjectGrain>(user);
        Assert.Equal([memoryId], await subject.GetMemoryNodes());

        AssertNoSecret(gateway, db, secretMemory, secretEvent, "while stored");

        // Streams are applied in batches: the participant (under its public id) is live once its first batch went through.
        await Eventually.Until(() => gateway.Grains.GetGrain<INodeGrain>(publicId).GetSnapshot(), n => n is { Live: true }, what: "the participant live");
        await Eventually.Until(() => subject.Export(), e => e.Participants.Length == 1, what: "the participant listed by its subject");
        // The export (GET /api/me/export) is what the stores hold: the memory node as its grain has it, the events as the
        // event log reads them.
        var export = JsonDocument.Parse(await me.GetStringAsync("/api/me/export")).RootElement;
        Assert.Equal(user, export.GetProperty("identity").GetProperty("userId").GetGuid());
        Assert.False(export.GetProperty("identity").GetProperty("erased").GetBoolean());
        Assert.Single(export.GetProperty("identity").GetProperty("refreshTokenFamilies").EnumerateArray());
        var memory = Assert.Single(export.GetProperty("memoryNodes").EnumerateArray().ToList());
        var stateOfMemory = (await gateway.Grains.GetGrain<INodeGrain>(memoryId).GetSnapshot())!;
        Assert.Equal((memoryId, secretMemory, "seer", 7.0, 9.0, stateOfMemory.Version),
            (memory.GetProperty("memoryId").GetGuid(), memory.GetProperty("content").GetString(), memory.GetProperty("archetype").GetString(),
             memory.GetProperty("x").GetDouble(), memory.GetProperty("y").GetDouble(), memory.GetProperty("version").GetInt64()));
        var stored = await gateway.Grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery(Space, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 100));
        var exportedEvents = export.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(stored.Select(r => r.Event.EventId).Order(), exportedEvents.Select(e => e.GetProperty("eventId").GetGuid()).Order());
        Assert.Equal(sent.Keys.Order(), exportedEvents.Select(e => e.GetProperty("eventId").GetGuid()).Order());
        foreach (var e in exportedEvents)
        {
            Assert.Equal(Space, e.GetProperty("space").GetString());
            var data = e.GetProperty("data");
            Assert.Equal((secretEvent, sent[e.GetProperty("eventId").GetGuid()]), (data.GetProperty("note").GetString(), data.GetProperty("k").GetInt32()));
            var row = stored.Single(r => r.Event.EventId == e.GetProperty("eventId").GetGuid()).Event;
            Assert.Equal((row.X, row.Y, row.EventType), (e.GetProperty("x").GetDouble(), e.GetProperty("y").GetDouble(), e.GetProperty("eventType").GetString()));
        }
        Assert.False(export.GetProperty("eventsTruncated").GetBoolean());
        var participant = Assert.Single(export.GetProperty("participants").EnumerateArray().ToList());
        Assert.Equal((publicId, Space, 440.0), (participant.GetProperty("userId").GetGuid(), participant.GetProperty("space").GetString(), participant.GetProperty("frequency").GetDouble()));
        Assert.True(export.GetProperty("preferences").GetProperty("collective").GetBoolean());

        using (var erased = await me.DeleteAsync("/api/me"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, erased.StatusCode);
            Assert.True(JsonDocument.Parse(await erased.Content.ReadAsStringAsync()).RootElement.GetProperty("erased").GetBoolean());
        }

        // The session of the erased identity is closed, and its refresh token is revoked.
        await client.WaitClosedAsync();
        Assert.Equal(4403, (int?)client.CloseStatus);
        using (var http0 = new HttpClient { BaseAddress = gateway.Http })
        using (var refreshed = await http0.PostAsJsonAsync("/api/identities/refresh", new { refreshToken = identity.RefreshToken }))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refreshed.StatusCode);

        // Its still unexpired access token posts nothing: refused, not acked and dropped.
        using (var post = await me.PostAsJsonAsync("/api/events", new[] { new { space = Space, eventType = "late", data = new { note = secretEvent } } }))
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, post.StatusCode);

        // The memory node is gone from the field, its grain, the storage and the listings; so is the participant.
        Assert.NotEqual(true, (await gateway.Grains.GetGrain<INodeGrain>(memoryId).GetSnapshot())?.Live);
        Assert.NotEqual(true, (await gateway.Grains.GetGrain<INodeGrain>(publicId).GetSnapshot())?.Live);
        await Eventually.Until(() => gateway.Grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.MemoryNodes == 0 && t.ActiveNodes == 0, what: "the space without the subject");
        using var http = new HttpClient { BaseAddress = gateway.Http };
        var listed = JsonDocument.Parse(await http.GetStringAsync($"/api/spaces/{Space}/nodes")).RootElement.GetProperty("nodes").EnumerateArray()
            .Select(n => n.GetProperty("id").GetGuid()).ToList();
        Assert.DoesNotContain(memoryId, listed);
        Assert.Equal(0L, await ScalarAsync(gateway, db, "SELECT count(*) FROM grain_state WHERE state_name = 'node'"));

        // The payloads are still stored (immutable partitions need not change) but no key for them exists any more.
        string user_ = db is null ? $"'{user}'" : $"'{user}'::uuid";
        Assert.Equal(3L, await ScalarAsync(gateway, db, $"SELECT count(*) FROM consciousness_events WHERE user_id = {user_}", events: true));
        Assert.Equal(0L, await ScalarAsync(gateway, db, $"SELECT count(*) FROM resonance_subject_keys WHERE subject = {user_} AND wrapped_key IS NOT NULL", events: true));
        Assert.Null(await gateway.App.Services.GetRequiredService<SubjectKeys>().GetAsync(user));
        Assert.Empty(await gateway.Grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery(Space, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 100)));
        // The (still unexpired) access token exports what is left: nothing but the fact of the erasure.
        var after = JsonDocument.Parse(await me.GetStringAsync("/api/me/export")).RootElement;
        Assert.True(after.GetProperty("identity").GetProperty("erased").GetBoolean());
        Assert.Empty(after.GetProperty("memoryNodes").EnumerateArray());
        Assert.Empty(after.GetProperty("events").EnumerateArray());
        Assert.Empty(after.GetProperty("participants").EnumerateArray());
        // Nothing new is accepted for an erased subject, and its token no longer opens a session.
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => gateway.Grains.GetGrain<INodeGrain>(Guid.NewGuid())
            .Crystallize(Space, new MemoryUpdate { Owner = user, X = 1, Y = 1, Harmonic = 1, Content = secretMemory }));
        await using (var again = await WsClient.ConnectAsync(identity.WithToken(new Uri(gateway.WebSocket + $"?space={Space}"))))
        {
            await again.WaitClosedAsync();
            Assert.Equal(4403, (int?)again.CloseStatus);
        }
        using (var put = await me.PutAsJsonAsync("/api/me/preferences", new { collective = true }))
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, put.StatusCode);

        AssertNoSecret(gateway, db, secretMemory, secretEvent, "after erasure");
    }

    private static void AssertNoSecret(GatewayHost gateway, string? db, string secretMemory, string secretEvent, string when)
    {
        foreach (var secret in new[] { secretMemory, secretEvent })
        {
            Assert.True(RawStores.FilesContaining(gateway.DataDirectory, secret) is { Count: 0 } files, $"{when}: {secret} in {string.Join(", ", RawStores.FilesContaining(gateway.DataDirectory, secret))}");
            if (db is not null) Assert.False(RawStores.DumpContains(RawStores.Dump(db), secret), $"{when}: {secret} in the PostgreSQL dump");
        }
    }

    private static async Task<long> ScalarAsync(GatewayHost gateway, string? db, string sql, bool events = false)
    {
        if (db is not null)
        {
            await using var pg = new NpgsqlConnection(db);
            await pg.OpenAsync();
            await using var command = new NpgsqlCommand(sql, pg);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
        await using var sqlite = new SqliteConnection($"Data Source={Path.Combine(gateway.DataDirectory, events ? "events.db" : "grains.db")};Pooling=False");
        await sqlite.OpenAsync();
        await using var read = sqlite.CreateCommand();
        read.CommandText = sql;
        return Convert.ToInt64(await read.ExecuteScalarAsync());
    }
}

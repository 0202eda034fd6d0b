using System.Text.Json;
using Resonance.Grains;

namespace Resonance.Tests.Gateway;

/// <summary>A client speaking exactly the existing mobile app's messages gets the whole protocol back.</summary>
public sealed class ExistingAppProtocolTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    private static readonly string[] UpdateFields =
        ["seq", "globalResonance", "activeNodes", "quantumCoherence", "meanPhase", "harmonicField", "phiHarmonics", "phiCascades", "timestamp"];

    private static object AppStream(double amplitude, double phase) => new
    {
        type = "harmonic_stream",
        frequency = 7.83,
        amplitude,
        phase,
        quantumFactor = 0.42,
        consciousnessIntent = "bloom",
        timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };

    [Fact]
    public async Task The_existing_apps_messages_get_connection_established_resonance_updates_and_heartbeat_acks()
    {
        await using var app = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=app-proto"));
        var hello = (await app.WaitForTypeAsync("connection_established")).Json;
        foreach (var f in new[] { "userId", "space", "globalResonance", "activeNodes", "quantumCoherence", "phiCascades", "config", "timestamp" })
            Assert.True(hello.TryGetProperty(f, out _), $"connection_established lacks '{f}'");
        var userId = Guid.Parse(hello.GetProperty("userId").GetString()!);
        Assert.Equal("app-proto", hello.GetProperty("space").GetString());

        await app.SendAsync(AppStream(0.8, 1.0));
        // The participant shows up in the tick's measures: active, with r = amplitude (the app sends no resonance).
        var update = (await app.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1,
            what: "a resonance_update counting the participant")).Json;
        foreach (var f in UpdateFields)
            Assert.True(update.TryGetProperty(f, out _), $"resonance_update lacks '{f}'");
        Assert.Equal(0.8, update.GetProperty("globalResonance").GetDouble(), 12);
        Assert.Equal(1.0, update.GetProperty("quantumCoherence").GetDouble(), 12);
        Assert.Equal(1.0, update.GetProperty("meanPhase").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Array, update.GetProperty("harmonicField").ValueKind);
        Assert.True(update.GetProperty("harmonicField").GetArrayLength() > 0, "the participant's kernel makes at least one peak");

        // The node was placed deterministically from its id (the app sends no position), with the app's extra fields kept.
        var node = await Host.Grains.GetGrain<INodeGrain>(userId).GetSnapshot();
        Assert.NotNull(node);
        Assert.Equal(Resonance.Grains.Nodes.NodePlacement.FromId(userId, 30, 30), (node!.X, node.Y));
        Assert.Equal(0.42, node.QuantumFactor);
        Assert.Equal("bloom", node.ConsciousnessIntent);

        long ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await app.SendAsync(new { type = "heartbeat", timestamp = ts });
        var ack = (await app.WaitForTypeAsync("heartbeat_ack")).Json;
        Assert.Equal(ts, ack.GetProperty("clientTimestamp").GetInt64());
        Assert.True(ack.GetProperty("timestamp").GetInt64() >= ts - 60_000);

        // Seq grows tick by tick.
        long seq1 = update.GetProperty("seq").GetInt64();
        var later = (await app.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("seq").GetInt64() > seq1)).Json;
        Assert.True(later.GetProperty("seq").GetInt64() > seq1);
    }

    [Fact]
    public async Task Entanglement_needs_consent_on_both_sides_and_both_partners_are_told()
    {
        await using var a = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=app-ent"));
        await using var b = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=app-ent"));
        var idA = Guid.Parse((await a.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        var idB = Guid.Parse((await b.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        await a.SendAsync(AppStream(0.5, 0.1));
        await b.SendAsync(AppStream(0.6, 0.2));
        await a.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 2);

        // A asks: not yet a pair; B is told of the request.
        await a.SendAsync(new { type = "quantum_entangle", entanglementTarget = idB.ToString() });
        var requested = (await a.WaitForTypeAsync("quantum_entanglement")).Json;
        Assert.Equal("requested", requested.GetProperty("state").GetString());
        var offer = (await b.WaitForTypeAsync("quantum_entanglement")).Json;
        Assert.Equal("requested", offer.GetProperty("state").GetString());
        Assert.Equal(idA, offer.GetProperty("partnerId").GetGuid());
        Assert.Empty(await Host.Grains.GetGrain<INodeGrain>(idA).GetPartners());

        // B consents: both get "formed" with each other as partner, and the pair shows in phiHarmonics.
        await b.SendAsync(new { type = "quantum_entangle", entanglementTarget = idA.ToString() });
        var formedA = (await a.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("state").GetString() == "formed")).Json;
        var formedB = (await b.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("state").GetString() == "formed")).Json;
        Assert.Equal(idB, formedA.GetProperty("partnerId").GetGuid());
        Assert.Equal(idA, formedB.GetProperty("partnerId").GetGuid());
        var withPair = (await a.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("phiCascades").GetInt32() == 1)).Json;
        var pair = withPair.GetProperty("phiHarmonics")[0];
        Assert.Equal(new[] { idA, idB }.Order(), new[] { pair.GetProperty("node1").GetGuid(), pair.GetProperty("node2").GetGuid() }.Order());
        foreach (var f in new[] { "ratio", "strength", "type" }) Assert.True(pair.TryGetProperty(f, out _), $"pair lacks '{f}'");
        Assert.Equal([idB], await Host.Grains.GetGrain<INodeGrain>(idA).GetPartners());

        // B leaves: the pair breaks and A is told.
        await b.SendAsync(new { type = "disconnect" });
        var broken = (await a.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("state").GetString() == "broken")).Json;
        Assert.Equal(idB, broken.GetProperty("partnerId").GetGuid());
        await a.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("phiCascades").GetInt32() == 0);
        Assert.Empty(await Host.Grains.GetGrain<INodeGrain>(idA).GetPartners());
    }

    [Fact]
    public async Task Memory_crystallize_creates_a_memory_node_owned_by_the_caller_and_events_are_acked_and_relayed()
    {
        await using var a = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=app-mem"));
        await using var b = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=app-mem"));
        var idA = Guid.Parse((await a.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        await b.WaitForTypeAsync("connection_established");

        await a.SendAsync(new { type = "memory_crystallize", x = 12.5, y = 7.25, harmonic = 432, influence = 0.9, content = "first light", archetype = "sun" });
        var made = (await a.WaitForTypeAsync("memory_crystallized")).Json;
        var memoryId = made.GetProperty("memoryId").GetGuid();
        var memory = await Host.Grains.GetGrain<INodeGrain>(memoryId).GetSnapshot();
        Assert.Equal(NodeKind.Memory, memory!.Kind);
        // Owned by the caller's subject, whose public id in this space is the caller's userId.
        var pseudonyms = (Resonance.Gateway.Auth.Pseudonyms)Host.App.Services.GetService(typeof(Resonance.Gateway.Auth.Pseudonyms))!;
        Assert.Equal(idA, pseudonyms.Of("app-mem", memory.Owner!.Value));
        Assert.Equal((12.5, 7.25, 0.9, "first light"), (memory.X, memory.Y, memory.Strength, memory.Content));
        await a.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("memoryNodes").GetInt32() == 1);

        // Another user may not change it.
        await b.SendAsync(new { type = "memory_crystallize", memoryId, x = 1, y = 1, harmonic = 1 });
        Assert.Equal("forbidden", (await b.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        Assert.Equal(12.5, (await Host.Grains.GetGrain<INodeGrain>(memoryId).GetSnapshot())!.X);

        await a.SendAsync(new { type = "consciousness_event", eventType = "insight", data = new { depth = 3, note = "hello" }, x = 3.0, y = 4.0, ackId = "ev-1" });
        var ack = (await a.WaitForTypeAsync("ack")).Json;
        Assert.Equal("ev-1", ack.GetProperty("ackId").GetString());
        var eventId = ack.GetProperty("eventId").GetGuid();
        var relayed = (await b.WaitForAsync(m => m.Type == "consciousness_event")).Json;
        Assert.Equal(eventId, relayed.GetProperty("eventId").GetGuid());
        Assert.Equal(idA, relayed.GetProperty("userId").GetGuid());
        Assert.Equal(3, relayed.GetProperty("data").GetProperty("depth").GetInt32());

        // Acked means stored: it is in the store already.
        var store = (Resonance.Grains.Events.IEventStore)Host.App.Services.GetService(typeof(Resonance.Grains.Events.IEventStore))!;
        var stored = await store.QueryAsync("app-mem", DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1), 100, CancellationToken.None);
        Assert.Contains(stored, r => r.Event.EventId == eventId && r.Event.EventType == "insight");
    }

    [Fact]
    public async Task The_ws_alias_and_query_position_work_and_bad_query_parameters_are_refused()
    {
        await using var c = await WsClient.ConnectAsync(new Uri($"ws://{Host.Http.Authority}/ws?space=app-alias&x=4.5&y=20"));
        var id = Guid.Parse((await c.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.4 });
        await c.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1);
        var node = await Host.Grains.GetGrain<INodeGrain>(id).GetSnapshot();
        Assert.Equal((4.5, 20.0), (node!.X, node.Y));

        foreach (var bad in new[] { "?space=Bad_Space", "?x=3", "?x=1e400&y=2", "?x=-1&y=2", "?userId=nope" })
        {
            var e = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(
                () => WsClient.ConnectAsync(new Uri(Host.WebSocket + bad)));
            Assert.Contains("400", e.Message);
        }
    }

    [Fact]
    public async Task A_superseded_session_leaving_does_not_remove_the_user_who_reconnected()
    {
        // The same user, by its token (an id alone grants nothing): both sessions act as its participant.
        var me = await Identity.CreateAsync(Host.Http);
        var uri = me.WithToken(new Uri(Host.WebSocket + $"?space=app-resume&userId={me.UserId}"));
        var old = await WsClient.ConnectAsync(uri);
        var userId = (await old.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();
        await old.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.4, x = 3.0, y = 3.0 });
        await old.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1);

        // The user comes back on a new connection before the old one is gone, and streams from there.
        await using var resumed = await WsClient.ConnectAsync(uri);
        Assert.Equal(userId, (await resumed.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid());
        await resumed.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.6, x = 4.0, y = 4.0 });
        await resumed.WaitForAsync(m => m.Type == "resonance_update" && Math.Abs(m.Json.GetProperty("globalResonance").GetDouble() - 0.6) < 1e-12);

        // Now the old connection ends: the participant stays, as streamed by the new one.
        await old.SendAsync(new { type = "disconnect" });
        await old.WaitClosedAsync();
        await old.DisposeAsync();
        // The old session has finished its leave once the gateway no longer counts it (it counts after leaving).
        var counters = (Resonance.Gateway.Hosting.GatewayCounters)Host.App.Services.GetService(typeof(Resonance.Gateway.Hosting.GatewayCounters))!;
        await Resonance.Tests.Cluster.Eventually.Until(() => Task.FromResult(counters.Connected), n => n == 1, what: "the old session ended");
        await resumed.SendAsync(new { type = "heartbeat" });
        await resumed.WaitForTypeAsync("heartbeat_ack");
        var tick = await Resonance.Tests.Cluster.Eventually.Until(() => Host.Grains.GetGrain<ISpaceGrain>("app-resume").GetLatestTick(),
            t => t.Seq > 0, what: "a tick");
        var node = await Host.Grains.GetGrain<INodeGrain>(userId).GetSnapshot();
        Assert.True(node is { Live: true }, "the resumed participant must still be live");
        Assert.Equal((4.0, 4.0), (node!.X, node.Y));
        var later = (await resumed.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("seq").GetInt64() > tick.Seq + 2)).Json;
        Assert.Equal(1, later.GetProperty("activeNodes").GetInt32());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Security;

/// <summary>Nobody acts as someone else: ids grant nothing, memory nodes are their owners', pages of other sites stay out.</summary>
public sealed class AuthorizationTests(SecurityFixture fixture) : IClassFixture<SecurityFixture>
{
    private GatewayHost Host => fixture.Host;

    private static async Task<string> RefusedAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var e = await Assert.ThrowsAnyAsync<WebSocketException>(() => WsClient.ConnectAsync(uri, configure: configure));
        return e.Message;
    }

    private async Task<(WsClient Client, Guid PublicId)> JoinAsync(Identity who, string space, double x, double y)
    {
        var c = await WsClient.ConnectAsync(who.WithToken(new Uri(Host.WebSocket + $"?space={space}")));
        var id = (await c.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.5, x, y });
        return (c, id);
    }

    [Fact]
    public async Task Impersonation_through_a_userId_or_a_pseudonym_is_refused()
    {
        const string space = "sec-impersonate";
        var victim = await Identity.CreateAsync(Host.Http);
        var attacker = await Identity.CreateAsync(Host.Http);
        var (v, victimPublic) = await JoinAsync(victim, space, 5, 5);
        await using var _ = v;

        // The victim's subject or its public id, without a token or with the attacker's own: refused.
        foreach (var id in new[] { victim.UserId, victimPublic })
        {
            Assert.Contains("403", await RefusedAsync(new Uri(Host.WebSocket + $"?space={space}&userId={id}")));
            Assert.Contains("403", await RefusedAsync(attacker.WithToken(new Uri(Host.WebSocket + $"?space={space}&userId={id}"))));
        }
        // A token names its own subject in userId: accepted, and the session is that subject's, nobody else's.
        await using var self = await WsClient.ConnectAsync(attacker.WithToken(new Uri(Host.WebSocket + $"?space={space}&userId={attacker.UserId}")));
        var hello = (await self.WaitForTypeAsync("connection_established")).Json;
        Assert.Equal(attacker.UserId, hello.GetProperty("subject").GetGuid());
        var attackerPublic = hello.GetProperty("userId").GetGuid();
        Assert.NotEqual(victimPublic, attackerPublic);

        // Addressing the victim by its pseudonym only asks (consent); by its subject finds nobody: subjects are no addresses.
        await self.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.5, x = 6.0, y = 6.0 });
        await Eventually.Until(() => Host.Grains.GetGrain<INodeGrain>(victimPublic).GetSnapshot(), s => s is { Live: true }, what: "the victim live");
        await self.SendAsync(new { type = "quantum_entangle", entanglementTarget = victim.UserId });
        Assert.Equal("not_found", (await self.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        await self.SendAsync(new { type = "quantum_entangle", entanglementTarget = victimPublic });
        var requested = (await self.WaitForTypeAsync("quantum_entanglement")).Json;
        Assert.Equal("requested", requested.GetProperty("state").GetString());
        Assert.Empty(await Host.Grains.GetGrain<INodeGrain>(victimPublic).GetPartners());
        // The victim's node was never streamed by the attacker.
        var node = await Host.Grains.GetGrain<INodeGrain>(victimPublic).GetSnapshot();
        Assert.Equal((5.0, 5.0), (node!.X, node.Y));

        // Nor can the attacker squat the victim's node by crystallising a memory under its public id (the victim would
        // be locked out of the space once it left): ids of that form are refused as memory ids.
        await self.SendAsync(new { type = "memory_crystallize", memoryId = victimPublic, x = 1.0, y = 1.0, harmonic = 2.0 });
        var squat = (await self.WaitForTypeAsync("error")).Json;
        Assert.Equal(("invalid_value", "memoryId"), (squat.GetProperty("code").GetString(), squat.GetProperty("field").GetString()));
        await v.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.6, x = 5.0, y = 5.0 });
        await Eventually.Until(() => Host.Grains.GetGrain<INodeGrain>(victimPublic).GetSnapshot(),
            s => s is { Live: true, Kind: NodeKind.Participant, Strength: 0.6 }, what: "the victim still streams as a participant");
    }

    [Fact]
    public async Task Others_see_pseudonyms_in_pairs_notices_listings_and_events()
    {
        const string space = "sec-pseudonyms";
        var a = await Identity.CreateAsync(Host.Http);
        var b = await Identity.CreateAsync(Host.Http);
        var (ca, pa) = await JoinAsync(a, space, 5, 5);
        var (cb, pb) = await JoinAsync(b, space, 7, 7);
        await using var _a = ca;
        await using var _b = cb;
        await Eventually.Until(() => Host.Grains.GetGrain<INodeGrain>(pb).GetSnapshot(), s => s is { Live: true }, what: "b live");
        await Eventually.Until(() => Host.Grains.GetGrain<INodeGrain>(pa).GetSnapshot(), s => s is { Live: true }, what: "a live");

        await ca.SendAsync(new { type = "quantum_entangle", entanglementTarget = pb });
        await cb.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("partnerId").GetGuid() == pa);
        await cb.SendAsync(new { type = "quantum_entangle", entanglementTarget = pa });
        var formed = (await ca.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("state").GetString() == "formed")).Json;
        Assert.Equal(pb, formed.GetProperty("partnerId").GetGuid());
        var update = (await ca.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("phiHarmonics").GetArrayLength() > 0)).Json;
        var pair = update.GetProperty("phiHarmonics")[0];
        Assert.Equal(new[] { pa, pb }.OrderBy(g => g), new[] { pair.GetProperty("node1").GetGuid(), pair.GetProperty("node2").GetGuid() }.OrderBy(g => g));

        await ca.SendAsync(new { type = "consciousness_event", eventType = "wave", data = new { k = 1 }, ackId = "e1" });
        var relayed = (await cb.WaitForTypeAsync("consciousness_event")).Json;
        Assert.Equal(pa, relayed.GetProperty("userId").GetGuid());

        using var http = new HttpClient { BaseAddress = Host.Http };
        var listing = await http.GetStringAsync($"/api/spaces/{space}/nodes");
        Assert.Contains(pa.ToString(), listing);
        foreach (var text in new[] { listing, update.ToString(), relayed.ToString(), formed.ToString() })
        {
            Assert.DoesNotContain(a.UserId.ToString(), text);
            Assert.DoesNotContain(b.UserId.ToString(), text);
        }
    }

    [Fact]
    public async Task Only_the_owner_changes_or_dissolves_a_memory_node_and_reads_its_private_content()
    {
        const string space = "sec-memories";
        var owner = await Identity.CreateAsync(Host.Http);
        var other = await Identity.CreateAsync(Host.Http);
        await using var co = await WsClient.ConnectAsync(owner.WithToken(new Uri(Host.WebSocket + $"?space={space}")));
        await using var cx = await WsClient.ConnectAsync(other.WithToken(new Uri(Host.WebSocket + $"?space={space}")));
        await co.WaitForTypeAsync("connection_established");
        await cx.WaitForTypeAsync("connection_established");
        Guid mine = Guid.NewGuid(), shown = Guid.NewGuid(), third = Guid.NewGuid();
        await co.SendAsync(new { type = "memory_crystallize", memoryId = mine, x = 3.0, y = 3.0, harmonic = 2.0, content = "private words" });
        await co.WaitForTypeAsync("memory_crystallized");
        await co.SendAsync(new { type = "memory_crystallize", memoryId = shown, x = 8.0, y = 8.0, harmonic = 2.0, content = "open words", @public = true });
        await co.WaitForAsync(m => m.Type == "memory_crystallized" && m.Json.GetProperty("memoryId").GetGuid() == shown);
        await co.SendAsync(new { type = "memory_crystallize", memoryId = third, x = 9.0, y = 9.0, harmonic = 2.0 });
        await co.WaitForAsync(m => m.Type == "memory_crystallized" && m.Json.GetProperty("memoryId").GetGuid() == third);

        // Another user can neither overwrite nor dissolve it, over the WebSocket or REST.
        await cx.SendAsync(new { type = "memory_crystallize", memoryId = mine, x = 20.0, y = 20.0, harmonic = 9.0, content = "overwritten" });
        Assert.Equal("forbidden", (await cx.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        await cx.SendAsync(new { type = "memory_dissolve", memoryId = mine });
        var dissolveError = (await cx.WaitForAsync(m => m.Type == "error" && m.Json.TryGetProperty("ref", out var r) && r.GetString() == "memory_dissolve")).Json;
        Assert.Equal("forbidden", dissolveError.GetProperty("code").GetString());
        using var http = new HttpClient { BaseAddress = Host.Http };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.DeleteAsync($"/api/memories/{mine}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(http, HttpMethod.Delete, $"/api/memories/{mine}", other.AccessToken)).StatusCode);
        var node = await Host.Grains.GetGrain<INodeGrain>(mine).GetSnapshot();
        Assert.True(node is { Live: true, X: 3.0, Content: "private words" });

        // Content: the owner's eyes only, unless public.
        var anonymous = await http.GetFromJsonAsync<JsonElement>($"/api/memories/{mine}");
        Assert.Equal(JsonValueKind.Null, anonymous.GetProperty("content").ValueKind);
        var byOther = await (await Send(http, HttpMethod.Get, $"/api/memories/{mine}", other.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, byOther.GetProperty("content").ValueKind);
        var byOwner = await (await Send(http, HttpMethod.Get, $"/api/memories/{mine}", owner.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("private words", byOwner.GetProperty("content").GetString());
        Assert.NotEqual(owner.UserId, byOwner.GetProperty("owner").GetGuid());
        Assert.Equal("open words", (await http.GetFromJsonAsync<JsonElement>($"/api/memories/{shown}")).GetProperty("content").GetString());

        // The owner dissolves one over the WebSocket, one over REST: gone from the field, the listing and storage.
        await Eventually.Until(() => http.GetStringAsync($"/api/spaces/{space}/nodes"), t => t.Contains(mine.ToString()) && t.Contains(third.ToString()), what: "listed");
        await co.SendAsync(new { type = "memory_dissolve", memoryId = mine });
        Assert.Equal(mine, (await co.WaitForTypeAsync("memory_dissolved")).Json.GetProperty("memoryId").GetGuid());
        Assert.Equal(HttpStatusCode.NoContent, (await Send(http, HttpMethod.Delete, $"/api/memories/{third}", owner.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Delete, $"/api/memories/{third}", owner.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/memories/{mine}")).StatusCode);
        await Eventually.Until(() => http.GetStringAsync($"/api/spaces/{space}/nodes"), t => !t.Contains(mine.ToString()) && !t.Contains(third.ToString()) && t.Contains(shown.ToString()),
            what: "dissolved nodes gone from the listing");
        await Eventually.Until(() => Host.Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.MemoryNodes == 1, what: "one memory node counted");
        Assert.Null(await Host.Grains.GetGrain<INodeGrain>(mine).GetSnapshot());
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    [Fact]
    public async Task A_WebSocket_upgrade_from_another_origin_is_refused()
    {
        var own = Host.Http.GetLeftPart(UriPartial.Authority);
        foreach (var origin in new[] { "https://evil.example", "http://127.0.0.1:1", "null" })
            Assert.Contains("403", await RefusedAsync(Host.WebSocket, o => o.SetRequestHeader("Origin", origin)));
        foreach (var origin in new[] { own, SecurityFixture.AllowedOrigin })
        {
            await using var c = await WsClient.ConnectAsync(Host.WebSocket, configure: o => o.SetRequestHeader("Origin", origin));
            await c.WaitForTypeAsync("connection_established");
        }
    }
}

/// <summary>Per-address limits, on a gateway that also refuses anonymous clients (the production setting).</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task An_address_over_its_connection_cap_or_identity_rate_is_refused_and_anonymous_clients_need_a_token()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Gateway:MaxConnectionsPerAddress"] = "3",
            // The refused upgrade is held this long before its 429 (a flood's retry rate); the TCP cap is tested apart.
            ["Resonance:Gateway:RefusalHold"] = "00:00:00.200",
            ["Resonance:Gateway:ConnectionsPerAddress"] = "100",
            ["Resonance:Auth:AllowAnonymous"] = "false",
            ["Resonance:Auth:IdentityRequestsPerMinute"] = "2",
        });
        try
        {
            var me = await Identity.CreateAsync(host.Http);
            var e = await Assert.ThrowsAnyAsync<WebSocketException>(() => WsClient.ConnectAsync(host.WebSocket));
            Assert.Contains("401", e.Message);

            var open = new List<WsClient>();
            for (int k = 0; k < 3; k++)
            {
                var c = await WsClient.ConnectAsync(me.WithToken(host.WebSocket));
                await c.WaitForTypeAsync("connection_established");
                open.Add(c);
            }
            e = await Assert.ThrowsAnyAsync<WebSocketException>(() => WsClient.ConnectAsync(me.WithToken(host.WebSocket)));
            Assert.Contains("429", e.Message);
            // A slot comes back when a connection ends.
            await open[0].SendAsync(new { type = "disconnect" });
            await open[0].WaitClosedAsync();
            await open[0].DisposeAsync();
            var again = await Eventually.Until(async () =>
            {
                try
                {
                    return await WsClient.ConnectAsync(me.WithToken(host.WebSocket));
                }
                catch (WebSocketException)
                {
                    return null;
                }
            }, c => c is not null, what: "a connection after one closed");
            await again!.WaitForTypeAsync("connection_established");
            open[0] = again;
            foreach (var c in open) await c.DisposeAsync();

            // Identities: two per minute from this address (one used above), then 429.
            using var http = new HttpClient { BaseAddress = host.Http };
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/identities", null)).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await http.PostAsync("/api/identities", null)).StatusCode);
        }
        finally
        {
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}

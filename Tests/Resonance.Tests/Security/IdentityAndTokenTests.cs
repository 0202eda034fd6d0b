using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Security;

/// <summary>Server-issued identities: access tokens on the WebSocket and REST, refresh rotation, in-band renewal.</summary>
public sealed class IdentityAndTokenTests(SecurityFixture fixture) : IClassFixture<SecurityFixture>
{
    private GatewayHost Host => fixture.Host;

    private static async Task<string> RefusedAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var e = await Assert.ThrowsAnyAsync<WebSocketException>(() => WsClient.ConnectAsync(uri, configure: configure));
        return e.Message;
    }

    [Fact]
    public async Task A_token_session_acts_as_its_subject_under_a_per_space_public_id()
    {
        var me = await Identity.CreateAsync(Host.Http);
        Assert.NotEqual(Guid.Empty, me.UserId);
        Assert.True(me.ExpiresIn > 0);

        await using var byHeader = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=sec-one"),
            configure: o => o.SetRequestHeader("Authorization", "Bearer " + me.AccessToken));
        var hello = (await byHeader.WaitForTypeAsync("connection_established")).Json;
        Assert.Equal(me.UserId, hello.GetProperty("subject").GetGuid());
        var publicId = hello.GetProperty("userId").GetGuid();
        Assert.NotEqual(me.UserId, publicId);

        // The same subject has the same public id in that space (by query token too), another one elsewhere.
        await using var byQuery = await WsClient.ConnectAsync(me.WithToken(new Uri(Host.WebSocket + "?space=sec-one")));
        Assert.Equal(publicId, (await byQuery.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid());
        await using var elsewhere = await WsClient.ConnectAsync(me.WithToken(new Uri(Host.WebSocket + "?space=sec-two")));
        var other = (await elsewhere.WaitForTypeAsync("connection_established")).Json;
        Assert.NotEqual(publicId, other.GetProperty("userId").GetGuid());
        Assert.Equal(me.UserId, other.GetProperty("subject").GetGuid());

        // Without a token: a fresh anonymous participant each time, and no subject is shown.
        await using var anon1 = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=sec-one"));
        await using var anon2 = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=sec-one"));
        var a1 = (await anon1.WaitForTypeAsync("connection_established")).Json;
        var a2 = (await anon2.WaitForTypeAsync("connection_established")).Json;
        Assert.NotEqual(a1.GetProperty("userId").GetGuid(), a2.GetProperty("userId").GetGuid());
        Assert.False(a1.TryGetProperty("subject", out _));
    }

    [Fact]
    public async Task Forged_expired_and_wrongly_signed_tokens_are_refused()
    {
        var subject = Guid.NewGuid();
        var valid = SecurityFixture.Mint(subject, DateTime.UtcNow.AddMinutes(5));
        var bad = new Dictionary<string, string>
        {
            ["wrong key"] = SecurityFixture.Mint(subject, DateTime.UtcNow.AddMinutes(5), key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["expired"] = SecurityFixture.Mint(subject, DateTime.UtcNow.AddMinutes(-1)),
            ["other issuer"] = SecurityFixture.Mint(subject, DateTime.UtcNow.AddMinutes(5), issuer: "someone-else"),
            ["not yet valid"] = SecurityFixture.Mint(subject, DateTime.UtcNow.AddMinutes(10), notBefore: DateTime.UtcNow.AddMinutes(5)),
            // The payload changed to another subject, the signature kept.
            ["tampered"] = Tamper(valid, Guid.NewGuid()),
            // No signature at all.
            ["unsigned"] = string.Join('.', valid.Split('.')[0..2]) + ".",
            ["garbage"] = "not-a-token",
        };
        // The valid one is accepted, so the refusals below are about the tokens.
        await using (var ok = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?access_token=" + valid)))
            Assert.Equal(subject, (await ok.WaitForTypeAsync("connection_established")).Json.GetProperty("subject").GetGuid());

        using var http = new HttpClient { BaseAddress = Host.Http };
        foreach (var (what, token) in bad)
        {
            Assert.Contains("401", await RefusedAsync(new Uri(Host.WebSocket + "?access_token=" + Uri.EscapeDataString(token))));
            Assert.Contains("401", await RefusedAsync(new Uri(Host.WebSocket.ToString()), o => o.SetRequestHeader("Authorization", "Bearer " + token)));
            using var post = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(new[] { new { eventType = "x", data = new { } } }) };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.True((await http.SendAsync(post)).StatusCode == HttpStatusCode.Unauthorized, $"{what}: REST accepted it");
        }
    }

    private static string Tamper(string jwt, Guid subject)
    {
        var parts = jwt.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]))!;
        var changed = payload.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
        changed["sub"] = subject.ToString();
        parts[1] = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(JsonSerializer.Serialize(changed));
        return string.Join('.', parts);
    }

    [Fact]
    public async Task A_refresh_token_rotates_and_its_reuse_revokes_the_family()
    {
        using var http = new HttpClient { BaseAddress = Host.Http };
        var me = await Identity.CreateAsync(Host.Http);
        async Task<HttpResponseMessage> Refresh(string token) => await http.PostAsJsonAsync("/api/identities/refresh", new { refreshToken = token });

        var r1 = await Refresh(me.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        var second = Identity.Parse(await r1.Content.ReadFromJsonAsync<JsonElement>());
        Assert.Equal(me.UserId, second.UserId);
        Assert.NotEqual(me.RefreshToken, second.RefreshToken);
        // The new access token works for the same subject.
        await using (var c = await WsClient.ConnectAsync(second.WithToken(Host.WebSocket)))
            Assert.Equal(me.UserId, (await c.WaitForTypeAsync("connection_established")).Json.GetProperty("subject").GetGuid());

        var r2 = await Refresh(second.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var third = Identity.Parse(await r2.Content.ReadFromJsonAsync<JsonElement>());

        // The first token again: reuse. The family is revoked, so even the newest token stops working.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(me.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(third.RefreshToken)).StatusCode);

        // Another identity's family is untouched; malformed tokens are refused without touching anything.
        var other = await Identity.CreateAsync(Host.Http);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh("rt1.AAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/api/identities/refresh", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Refresh(other.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task An_expiring_session_is_renewed_in_band_and_without_renewal_closes_with_4401()
    {
        var subject = Guid.NewGuid();
        // Short, but long enough for both connections to open on a cold gateway (JWT times are whole seconds).
        var shortExpiry = DateTime.UtcNow.AddSeconds(10);
        var shortToken = SecurityFixture.Mint(subject, shortExpiry);
        await using var renewed = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=sec-refresh&access_token=" + shortToken));
        await using var lapsing = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=sec-refresh&access_token=" + shortToken));
        await renewed.WaitForTypeAsync("connection_established");
        await lapsing.WaitForTypeAsync("connection_established");

        // Wrong renewals change nothing: another subject's token, a forged one.
        await renewed.SendAsync(new { type = "refresh", accessToken = SecurityFixture.Mint(Guid.NewGuid(), DateTime.UtcNow.AddHours(1)) });
        Assert.Equal("forbidden", (await renewed.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        await renewed.SendAsync(new { type = "refresh", accessToken = SecurityFixture.Mint(subject, DateTime.UtcNow.AddHours(1), key: new byte[32]) });
        Assert.Equal("unauthorized", (await renewed.WaitForAsync(m => m.Type == "error" && m.Json.GetProperty("code").GetString() != "forbidden")).Json.GetProperty("code").GetString());

        var longExpiry = DateTime.UtcNow.AddHours(1);
        await renewed.SendAsync(new { type = "refresh", accessToken = SecurityFixture.Mint(subject, longExpiry) });
        var ack = (await renewed.WaitForTypeAsync("token_refreshed")).Json;
        Assert.True(ack.GetProperty("expiresAt").GetInt64() > new DateTimeOffset(shortExpiry).ToUnixTimeMilliseconds());

        // The session that did not renew is closed with the documented code once its token expired.
        await lapsing.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((WebSocketCloseStatus)4401, lapsing.CloseStatus);
        // Not before the token's own expiry (a JWT's exp is whole seconds: the minted time, truncated).
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeSeconds() >= new DateTimeOffset(shortExpiry).ToUnixTimeSeconds());
        // The renewed one is still served after that moment.
        await renewed.SendAsync(new { type = "heartbeat" });
        await renewed.WaitForTypeAsync("heartbeat_ack");
        Assert.False(renewed.Closed);
    }

    [Fact]
    public async Task REST_event_posts_need_a_token_and_take_the_user_from_it()
    {
        using var http = new HttpClient { BaseAddress = Host.Http };
        var author = await Identity.CreateAsync(Host.Http);
        var victim = Guid.NewGuid();
        const string space = "sec-rest-events";
        await using var listener = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
        await listener.WaitForTypeAsync("connection_established");

        var body = new[] { new { space, eventType = "spoof", userId = victim, data = new { n = 1 } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/events", body)).StatusCode);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(body) };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", author.AccessToken);
        var answer = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var eventId = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("eventId").GetGuid();

        // Stored under the token's subject, whatever the body said.
        var stored = await Eventually.Until(
            () => Host.Grains.GetGrain<Resonance.Grains.IEventLogGrain>(0).Query(new Resonance.Grains.EventQuery(space, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddMinutes(1), 100, null)),
            r => r.Any(e => e.Event.EventId == eventId), what: "the event stored");
        Assert.Equal(author.UserId, stored.Single(e => e.Event.EventId == eventId).Event.UserId);

        // Others see the author's public id in that space: relayed and listed, never the subject.
        await using var own = await WsClient.ConnectAsync(author.WithToken(new Uri(Host.WebSocket + $"?space={space}")));
        var publicId = (await own.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();
        var relayed = (await listener.WaitForAsync(m => m.Type == "consciousness_event" && m.Json.GetProperty("eventId").GetGuid() == eventId)).Json;
        Assert.Equal(publicId, relayed.GetProperty("userId").GetGuid());
        var listed = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/events");
        var row = listed.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("eventId").GetGuid() == eventId);
        Assert.Equal(publicId, row.GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task Identities_survive_a_restart_with_the_key_kept_in_the_data_directory()
    {
        // No key configured: the embedded default makes one and keeps it.
        var first = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Resonance:Auth:SigningKey"] = "", ["Resonance:Auth:PseudonymKey"] = "" });
        try
        {
            var me = await Identity.CreateAsync(first.Http);
            Guid publicId;
            await using (var c = await WsClient.ConnectAsync(me.WithToken(new Uri(first.WebSocket + "?space=sec-restart"))))
                publicId = (await c.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();
            Assert.True(File.Exists(Path.Combine(first.DataDirectory, "keys", "signing.key")));
            await first.StopAsync();

            await using var second = await GatewayHost.StartAsync(samePortsAs: first);
            await using (var c = await WsClient.ConnectAsync(me.WithToken(new Uri(second.WebSocket + "?space=sec-restart"))))
            {
                var hello = (await c.WaitForTypeAsync("connection_established")).Json;
                Assert.Equal(me.UserId, hello.GetProperty("subject").GetGuid());
                Assert.Equal(publicId, hello.GetProperty("userId").GetGuid());
            }
            // The refresh family was stored durably (grain state in SQLite).
            using var http = new HttpClient { BaseAddress = second.Http };
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/identities/refresh", new { refreshToken = me.RefreshToken })).StatusCode);
        }
        finally
        {
            await first.DisposeAsync();
            GatewayHost.DeleteData(first.DataDirectory);
        }
    }
}

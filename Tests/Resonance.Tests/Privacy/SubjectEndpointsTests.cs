using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Resonance.Gateway.Rest;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Privacy;

/// <summary>
/// The edges of <c>/api/me</c>: every endpoint needs the subject's own token; a bad preferences body is refused and
/// changes nothing; one subject's erasure leaves another subject's memory, events and session untouched.
/// </summary>
public sealed class SubjectEndpointsTests
{
    private const string Space = "subjects";

    [Theory]
    [InlineData("{\"collective\": false}", true, false)]
    [InlineData("{\"collective\": true}", true, true)]
    [InlineData("{}", false, true)]
    [InlineData("{\"collective\": \"no\"}", false, true)]
    [InlineData("{\"collective\": 0}", false, true)]
    [InlineData("{\"collectve\": false}", false, true)]
    [InlineData("{\"collective\": false, \"extra\": 1}", false, true)]
    [InlineData("[false]", false, true)]
    [InlineData("not json", false, true)]
    [InlineData("", false, true)]
    public void Preferences_bodies_are_exactly_one_boolean(string body, bool valid, bool collective)
    {
        var error = RestValidation.Preferences(Encoding.UTF8.GetBytes(body), out var preferences);
        Assert.Equal(valid, error is null);
        if (error is not null) Assert.InRange(error.Status, 400, 499);
        Assert.Equal(collective, preferences.Collective);
    }

    [Fact]
    public async Task Without_a_token_nothing_is_read_or_changed_and_a_bad_body_changes_nothing()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = gateway.Http };
        foreach (var (method, path) in new[] { ("GET", "/api/me/export"), ("DELETE", "/api/me"), ("GET", "/api/me/preferences"), ("PUT", "/api/me/preferences") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "PUT") request.Content = new StringContent("{\"collective\": false}", Encoding.UTF8, "application/json");
            using var response = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            // A forged token is no better.
            using var forged = new HttpRequestMessage(new HttpMethod(method), path);
            forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");
            if (method == "PUT") forged.Content = new StringContent("{\"collective\": false}", Encoding.UTF8, "application/json");
            using var refused = await anonymous.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var identity = await Identity.CreateAsync(gateway.Http);
        using var me = identity.Client(gateway.Http);
        foreach (var bad in new[] { "{\"collective\": \"false\"}", "{\"collective\": false, \"x\": 1}", "{", new string('x', 5000) })
        {
            using var response = await me.PutAsync("/api/me/preferences", new StringContent(bad, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{bad[..Math.Min(bad.Length, 20)]}: {response.StatusCode}");
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        }
        Assert.True(JsonDocument.Parse(await me.GetStringAsync("/api/me/preferences")).RootElement.GetProperty("collective").GetBoolean());
        Assert.True((await gateway.Grains.GetGrain<ISubjectGrain>(identity.UserId).GetPreferences()).Collective);
    }

    [Fact]
    public async Task Erasing_one_subject_leaves_another_untouched()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var gone = await Identity.CreateAsync(gateway.Http);
        var kept = await Identity.CreateAsync(gateway.Http);
        await using var goneClient = await WsClient.ConnectAsync(gone.WithToken(new Uri(gateway.WebSocket + $"?space={Space}")));
        await using var keptClient = await WsClient.ConnectAsync(kept.WithToken(new Uri(gateway.WebSocket + $"?space={Space}")));
        await goneClient.WaitForTypeAsync("connection_established");
        await keptClient.WaitForTypeAsync("connection_established");
        var memories = new Dictionary<WsClient, Guid>();
        foreach (var (client, x) in new[] { (goneClient, 5.0), (keptClient, 20.0) })
        {
            await client.SendAsync(new { type = "memory_crystallize", x, y = 5, harmonic = 432, influence = 0.5, content = $"mine at {x}" });
            memories[client] = (await client.WaitForTypeAsync("memory_crystallized")).Json.GetProperty("memoryId").GetGuid();
            await client.SendAsync(new { type = "consciousness_event", eventType = "note", data = new { x }, ackId = "e" });
            await client.WaitForAsync(m => m.Type == "ack");
        }

        using var goneMe = gone.Client(gateway.Http);
        using (var erased = await goneMe.DeleteAsync("/api/me")) Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        await goneClient.WaitClosedAsync();

        using var keptMe = kept.Client(gateway.Http);
        var export = JsonDocument.Parse(await keptMe.GetStringAsync("/api/me/export")).RootElement;
        var memory = Assert.Single(export.GetProperty("memoryNodes").EnumerateArray().ToList());
        Assert.Equal((memories[keptClient], "mine at 20"), (memory.GetProperty("memoryId").GetGuid(), memory.GetProperty("content").GetString()));
        Assert.Single(export.GetProperty("events").EnumerateArray());
        Assert.False(export.GetProperty("identity").GetProperty("erased").GetBoolean());
        Assert.Equal(true, (await gateway.Grains.GetGrain<INodeGrain>(memories[keptClient]).GetSnapshot())?.Live);
        Assert.NotEqual(true, (await gateway.Grains.GetGrain<INodeGrain>(memories[goneClient]).GetSnapshot())?.Live);
        // The kept subject's session goes on, and its refresh token still rotates.
        await keptClient.SendAsync(new { type = "heartbeat" });
        await keptClient.WaitForAsync(m => m.Type == "heartbeat_ack", what: "the other session still served");
        using var http = new HttpClient { BaseAddress = gateway.Http };
        using (var refreshed = await http.PostAsJsonAsync("/api/identities/refresh", new { refreshToken = kept.RefreshToken }))
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        await Eventually.Until(() => gateway.Grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.MemoryNodes == 1, what: "one memory node left in the field");
    }
}

using Resonance.Grains;

namespace Resonance.Tests.Gateway;

/// <summary>A client that resends an event after a lost connection (same <c>eventId</c>) has it stored once.</summary>
public sealed class EventResendTests
{
    [Fact]
    public async Task An_event_resent_with_its_event_id_is_acked_again_and_stored_once()
    {
        await using var host = await GatewayHost.StartAsync();
        var eventId = Guid.NewGuid();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            await using var c = await WsClient.ConnectAsync(new Uri(host.WebSocket + "?space=resend"));
            await c.WaitForTypeAsync("connection_established");
            await c.SendAsync(new { type = "consciousness_event", eventType = "vow", data = new { attempt }, ackId = $"a{attempt}", eventId });
            var ack = await c.WaitForTypeAsync("ack");
            Assert.Equal(eventId, ack.Json.GetProperty("eventId").GetGuid());
        }
        Assert.Equal(1, await host.Grains.GetGrain<IEventLogGrain>(0).Count("resend"));

        // A malformed id is a clear error that changes nothing, and the session goes on.
        await using var bad = await WsClient.ConnectAsync(new Uri(host.WebSocket + "?space=resend"));
        await bad.WaitForTypeAsync("connection_established");
        await bad.SendAsync(new { type = "consciousness_event", eventType = "vow", data = new { }, ackId = "x", eventId = Guid.Empty });
        var error = await bad.WaitForTypeAsync("error");
        Assert.Equal("eventId", error.Json.GetProperty("field").GetString());
        await bad.SendAsync(new { type = "heartbeat" });
        await bad.WaitForTypeAsync("heartbeat_ack");
        Assert.Equal(1, await host.Grains.GetGrain<IEventLogGrain>(0).Count("resend"));
        GatewayHost.DeleteData(host.DataDirectory);
    }
}

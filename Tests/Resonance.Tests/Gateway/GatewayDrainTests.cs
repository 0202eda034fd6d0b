using System.Net;
using System.Net.WebSockets;
using Resonance.Gateway.Sessions;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>
/// A stopping gateway (what SIGTERM does) drains: its sessions are closed with 1012 "service restart" (clients reconnect
/// on it), it reports not-ready on /healthz while still alive on /livez, and it refuses new upgrades until it is gone.
/// </summary>
public sealed class GatewayDrainTests
{
    [Fact]
    public async Task Stopping_closes_every_session_with_1012_and_reports_not_ready_while_draining()
    {
        var host = await GatewayHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/livez")).StatusCode);

        // These clients read the close frame but do not answer it, so the drain stays open until the gateway's close
        // deadline: long enough to look at the gateway meanwhile.
        var clients = new List<WsClient>();
        for (int k = 0; k < 3; k++)
        {
            var c = await WsClient.ConnectAsync(new Uri(host.WebSocket + "?space=drain"));
            await c.WaitForTypeAsync("connection_established");
            clients.Add(c);
        }
        await clients[0].SendAsync(new { type = "consciousness_event", eventType = "pulse", data = new { n = 1 }, ackId = "before-stop" });
        await clients[0].WaitForTypeAsync("ack");

        // As SIGTERM does, from another thread: the drain blocks the stopping thread until the sessions are gone.
        var stopping = Task.Run(() => host.App.StopAsync());
        foreach (var c in clients)
        {
            await c.WaitClosedAsync();
            Assert.Equal(ClientSession.ServiceRestart, c.CloseStatus);
        }
        var draining = await Eventually.Until(async () => (await http.GetAsync("/healthz")).StatusCode, s => s == HttpStatusCode.ServiceUnavailable,
            what: "/healthz reports the drain");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, draining);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/livez")).StatusCode);
        var refused = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        await Assert.ThrowsAnyAsync<WebSocketException>(() => refused.ConnectAsync(new Uri(host.WebSocket + "?space=drain"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);

        foreach (var c in clients) await c.DisposeAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        GatewayHost.DeleteData(host.DataDirectory);
    }
}

using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Hosting;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>Clients that stop reading, among a couple of hundred that read, in one space.</summary>
public sealed class SlowReadersAtScaleTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Clients_that_never_read_hold_up_none_of_the_two_hundred_that_do()
    {
        const string space = "slow-at-scale";
        const int fast = 200, stuck = 4, more = 20;
        var counters = Host.App.Services.GetRequiredService<GatewayCounters>();
        var uri = new Uri(Host.WebSocket + $"?space={space}");
        var stuckClients = new List<WsClient>();
        var fastClients = new List<WsClient>();
        try
        {
            // The stuck clients ask for large binary frames at 30 Hz, so their socket buffers fill within seconds.
            for (int k = 0; k < stuck; k++)
            {
                var s = await WsClient.ConnectAsync(uri, receive: false);
                await s.SendAsync(new { type = "subscribe_field", width = 256, height = 256, rate = 30, format = "f32" });
                stuckClients.Add(s);
            }
            long dropsAtStart = counters.FramesDropped;
            await Eventually.Until(() => Task.FromResult(counters.FramesDropped), d => d > dropsAtStart, TimeSpan.FromSeconds(60), "the stuck clients' frames being dropped");

            fastClients.AddRange(await Task.WhenAll(Enumerable.Range(0, fast).Select(_ => WsClient.ConnectAsync(uri))));
            await Task.WhenAll(fastClients.Select(c => c.WaitForTypeAsync("connection_established", TimeSpan.FromSeconds(60))));
            var updates = fastClients.Select(_ => new List<long>()).ToArray();
            var read = new int[fast];
            void Collect()
            {
                for (int i = 0; i < fast; i++)
                {
                    var seen = fastClients[i].DrainReceived();
                    for (; read[i] < seen.Count; read[i]++)
                        if (seen[read[i]].Type == "resonance_update") updates[i].Add(seen[read[i]].Json.GetProperty("seq").GetInt64());
                }
            }
            Collect();
            var start = updates.Select(u => u.Count).ToArray();

            // Every reading client keeps getting ticks, in order, while the stuck ones still drop.
            long dropsBefore = counters.FramesDropped;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (Enumerable.Range(0, fast).Min(i => updates[i].Count - start[i]) < more)
            {
                Assert.True(DateTime.UtcNow < deadline, $"every reading client should receive {more} more resonance_updates");
                await Task.Delay(200);
                Collect();
            }
            Assert.True(counters.FramesDropped > dropsBefore, "the stuck clients should still be dropping");
            for (int i = 0; i < fast; i++)
            {
                Assert.False(fastClients[i].Closed, "no reading client was closed");
                Assert.True(updates[i].Zip(updates[i].Skip(1)).All(p => p.Second > p.First), "resonance_update seq increases");
            }
            foreach (var s in stuckClients) Assert.Equal(WebSocketState.Open, s.State);
        }
        finally
        {
            await Task.WhenAll(fastClients.Concat(stuckClients).Select(c => c.DisposeAsync().AsTask()));
        }
    }

}

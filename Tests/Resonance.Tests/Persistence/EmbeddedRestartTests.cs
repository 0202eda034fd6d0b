using System.Text.Json;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Persistence;

/// <summary>The embedded default keeps memory nodes and events in SQLite across a restart.</summary>
public sealed class EmbeddedRestartTests
{
    [Fact]
    public async Task Stopping_and_restarting_the_embedded_gateway_loses_no_memory_node_and_no_event()
    {
        var first = await GatewayHost.StartAsync();
        Guid memoryId, eventId;
        try
        {
            await using var c = await WsClient.ConnectAsync(new Uri(first.WebSocket + "?space=restart-embedded"));
            await c.WaitForTypeAsync("connection_established");
            await c.SendAsync(new { type = "memory_crystallize", x = 7.5, y = 8.5, harmonic = 111, influence = 0.8, content = "remember me" });
            memoryId = (await c.WaitForTypeAsync("memory_crystallized")).Json.GetProperty("memoryId").GetGuid();
            await c.SendAsync(new { type = "consciousness_event", eventType = "vow", data = new { n = 1 }, ackId = "k" });
            eventId = (await c.WaitForTypeAsync("ack")).Json.GetProperty("eventId").GetGuid();
            await Eventually.Until(() => first.Grains.GetGrain<ISpaceGrain>("restart-embedded").GetLatestTick(), t => t.MemoryNodes == 1, what: "the memory node counted");
        }
        finally
        {
            await first.StopAsync();
        }

        await using var second = await GatewayHost.StartAsync(samePortsAs: first);
        var node = await second.Grains.GetGrain<INodeGrain>(memoryId).GetSnapshot();
        Assert.NotNull(node);
        Assert.True(node!.Live);
        Assert.Equal((7.5, 8.5, 0.8, "remember me"), (node.X, node.Y, node.Strength, node.Content));
        // The space revives the cells holding memory nodes: the measures and the field include it without anyone asking.
        await Eventually.Until(() => second.Grains.GetGrain<ISpaceGrain>("restart-embedded").GetLatestTick(), t => t.MemoryNodes == 1, what: "the memory node counted after the restart");
        using var http = new HttpClient { BaseAddress = second.Http };
        var nodes = JsonDocument.Parse(await http.GetStringAsync("/api/spaces/restart-embedded/nodes")).RootElement.GetProperty("nodes");
        Assert.Contains(nodes.EnumerateArray(), n => n.GetProperty("id").GetGuid() == memoryId);
        var events = JsonDocument.Parse(await http.GetStringAsync("/api/spaces/restart-embedded/events")).RootElement.GetProperty("events");
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("eventId").GetGuid() == eventId);
        GatewayHost.DeleteData(second.DataDirectory);
    }
}

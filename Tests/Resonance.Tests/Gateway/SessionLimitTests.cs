using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Hosting;
using Resonance.Grains;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>A gateway with small budgets and a short idle timeout.</summary>
public sealed class StrictGatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Gateway:MaxErrorsPerMinute"] = "5",
        ["Resonance:Gateway:MaxMessagesPerSecond"] = "10",
        ["Resonance:Gateway:IdleTimeout"] = "00:00:01.5",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class SessionLimitTests(StrictGatewayFixture fixture) : IClassFixture<StrictGatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task A_client_over_its_error_budget_is_closed_with_1008()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=limits"));
        await c.WaitForTypeAsync("connection_established");
        for (int k = 0; k < 6; k++) await c.SendTextAsync("{not json");
        for (int k = 0; k < 6; k++) Assert.Equal("invalid_json", (await c.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        Assert.Equal("rate_limited", (await c.WaitForTypeAsync("error")).Json.GetProperty("code").GetString());
        await c.WaitClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, c.CloseStatus);
    }

    [Fact]
    public async Task A_client_over_its_message_rate_is_closed_with_1008()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=limits"));
        await c.WaitForTypeAsync("connection_established");
        // Burst capacity is twice the rate (20); 60 back-to-back heartbeats exceed it.
        for (int k = 0; k < 60 && c.State == WebSocketState.Open; k++)
        {
            try { await c.SendAsync(new { type = "heartbeat" }); }
            catch (WebSocketException) { break; }
        }
        var limited = await c.WaitForAsync(m => m.Type == "error", what: "rate_limited");
        Assert.Equal("rate_limited", limited.Json.GetProperty("code").GetString());
        await c.WaitClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, c.CloseStatus);
        Assert.InRange(c.Seen.Count(m => m.Type == "heartbeat_ack"), 1, 59);
    }

    [Fact]
    public async Task A_silent_session_is_closed_and_its_participant_removed()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=idle"));
        var id = Guid.Parse((await c.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        await c.SendAsync(new { type = "harmonic_stream", frequency = 2, amplitude = 0.5, x = 3.0, y = 3.0 });
        var space = Host.Grains.GetGrain<ISpaceGrain>("idle");
        await Eventually.Until(() => space.GetLatestTick(), t => t.ActiveNodes == 1, what: "the participant joined");
        await c.WaitClosedAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, c.CloseStatus);
        await Eventually.Until(() => space.GetLatestTick(), t => t.ActiveNodes == 0, what: "the participant left with the session");
        Assert.False((await Host.Grains.GetGrain<INodeGrain>(id).GetSnapshot())?.Live ?? false);
    }
}

/// <summary>A client that never reads must not delay anybody else's frames.</summary>
public sealed class SlowConsumerTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task A_client_that_never_reads_does_not_delay_the_others_frames()
    {
        var counters = Host.App.Services.GetRequiredService<GatewayCounters>();
        await using var stuck = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=slow"), receive: false);
        await stuck.SendAsync(new { type = "harmonic_stream", frequency = 2, amplitude = 0.9, x = 10.0, y = 10.0 });
        await stuck.SendAsync(new { type = "subscribe_field", width = 512, height = 512, rate = 30, format = "f32" });

        // Once the stuck client's socket buffers are full, its frames start being dropped.
        long dropsAtStart = counters.FramesDropped;
        await Eventually.Until(() => Task.FromResult(counters.FramesDropped), d => d > dropsAtStart, TimeSpan.FromSeconds(60), "the stuck client's queue dropping frames");

        await using var reader = await WsClient.ConnectAsync(new Uri(Host.WebSocket + "?space=slow"));
        await reader.WaitForTypeAsync("connection_established");
        await reader.SendAsync(new { type = "subscribe_field", width = 30, height = 30, rate = 30, format = "u8" });
        var seqs = new List<uint>();
        long dropsBefore = counters.FramesDropped;
        while (seqs.Count < 30)
            seqs.Add(FieldFrameTests.Decode((await reader.WaitForBinaryAsync()).Bytes).Seq);
        // Meanwhile the stuck client kept dropping, and the reader got every frame it was sent, in order, none dropped.
        Assert.True(counters.FramesDropped > dropsBefore, "the stuck client should still be dropping");
        Assert.Equal(Enumerable.Range((int)seqs[0], 30).Select(s => (uint)s), seqs);
        var updates = reader.Seen.Where(m => m.Type == "resonance_update").Select(m => m.Json.GetProperty("seq").GetInt64()).ToList();
        Assert.True(updates.Count >= 2, "resonance updates keep flowing too");
    }
}

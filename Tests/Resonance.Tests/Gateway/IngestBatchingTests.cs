using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Spaces;
using Resonance.Grains;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>
/// A gateway whose batches go out only when a test (or a waiting session) flushes them, so what coalesces is decided by
/// the test, not by timing; hubs are released quickly.
/// </summary>
public sealed class ManualFlushGatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Gateway:IngestFlushInterval"] = "01:00:00",
        ["Resonance:Gateway:HubIdleRelease"] = "00:00:00.300",
        ["Resonance:Gateway:MaxMessagesPerSecond"] = "100000",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class IngestBatchingTests(ManualFlushGatewayFixture fixture) : IClassFixture<ManualFlushGatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private SpaceHubRegistry Hubs => Host.App.Services.GetRequiredService<SpaceHubRegistry>();

    private static async Task<Guid> JoinedAsync(WsClient c) =>
        Guid.Parse((await c.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);

    /// <summary>Everything the client sent before was handled: the receive loop answers in order.</summary>
    private static async Task SyncAsync(WsClient c)
    {
        double marker = Random.Shared.Next(1, int.MaxValue);
        await c.SendAsync(new { type = "heartbeat", timestamp = marker });
        await c.WaitForAsync(m => m.Type == "heartbeat_ack" && m.Json.GetProperty("clientTimestamp").GetDouble() == marker, what: "the heartbeat ack");
    }

    /// <summary>
    /// Flushes the hub's batch on every poll until the participant is live (and <paramref name="also"/> holds): a flush
    /// asked for while another batch is in flight does nothing, so asking once could miss.
    /// </summary>
    private async Task<NodeSnapshot> LiveAsync(SpaceHub hub, Guid id, Func<NodeSnapshot, bool>? also = null) =>
        (await Eventually.Until(() =>
        {
            hub.Batcher.Flush();
            return Host.Grains.GetGrain<INodeGrain>(id).GetSnapshot();
        }, s => s is { Live: true } && (also?.Invoke(s) ?? true), what: "the participant live"))!;

    /// <summary>Flushes until nothing is queued or in flight.</summary>
    private static Task SettledAsync(SpaceHub hub) => Eventually.Until(() =>
    {
        hub.Batcher.Flush();
        return Task.FromResult(hub.Batcher.InFlight || hub.Batcher.HasWork);
    }, busy => !busy, what: "batches done");

    [Fact]
    public async Task A_burst_of_stream_updates_reaches_the_node_as_one_command_with_the_latest_state()
    {
        const string space = "burst";
        await using var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
        var id = await JoinedAsync(c);
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.1, phase = 0.0, x = 5.0, y = 5.0 });
        await SyncAsync(c);
        var hub = await Hubs.GetAsync(space);
        await LiveAsync(hub, id);
        await SettledAsync(hub);
        var cell = Host.Grains.GetGrain<ICellGrain>(CellKey.Format(space, 0, 0));
        // The node hands changes to its cells without waiting: the first one must have arrived before counting.
        long changesBefore = (await Eventually.Until(cell.GetStatus, st => st.MemberIds.Contains(id), what: "the cell holds the participant")).ChangesApplied;
        long commandsBefore = hub.Batcher.CommandsSent;

        for (int k = 1; k <= 200; k++)
            await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = k / 1000.0, phase = k / 100.0, x = 5.0, y = 5.0 });
        await SyncAsync(c);

        var node = await LiveAsync(hub, id, s => Math.Abs(s.Strength - 0.2) < 1e-12);
        Assert.Equal(2.0, node.Phase, 12);
        Assert.Equal(1, hub.Batcher.CommandsSent - commandsBefore);
        // The cell saw one change for the whole burst: nothing was applied twice, nothing in between.
        await Eventually.Until(cell.GetStatus, s => s.ChangesApplied > changesBefore, what: "the cell applied the change");
        Assert.Equal(changesBefore + 1, (await cell.GetStatus()).ChangesApplied);
    }

    [Fact]
    public async Task A_leave_behind_an_unsent_update_removes_the_participant()
    {
        const string space = "leave-after-update";
        var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
        var id = await JoinedAsync(c);
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.4, x = 12.0, y = 12.0 });
        await SyncAsync(c);
        var hub = await Hubs.GetAsync(space);
        await LiveAsync(hub, id);

        // An update that is still waiting for a flush when the session ends: the leave goes with it and wins.
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.9, x = 20.0, y = 20.0 });
        await SyncAsync(c);
        await c.DisposeAsync();

        await Eventually.Until(() => Host.Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.ActiveNodes == 0, what: "the participant left");
        Assert.False((await Host.Grains.GetGrain<INodeGrain>(id).GetSnapshot())?.Live ?? false);
    }

    [Fact]
    public async Task A_superseded_sessions_leave_in_the_same_batch_does_not_remove_the_reconnected_participant()
    {
        const string space = "reconnect-batch";
        // Reconnecting as the same user takes that user's token (an id alone is refused).
        var me = await Identity.CreateAsync(Host.Http);
        var first = await WsClient.ConnectAsync(me.WithToken(new Uri(Host.WebSocket + $"?space={space}")));
        var id = await JoinedAsync(first);
        await first.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.3, x = 4.0, y = 4.0 });
        await SyncAsync(first);
        var hub = await Hubs.GetAsync(space);
        await LiveAsync(hub, id);

        // The same user reconnects; its new session's first update waits unsent while the old session ends.
        await using var second = await WsClient.ConnectAsync(me.WithToken(new Uri(Host.WebSocket + $"?space={space}&userId={me.UserId}")));
        await JoinedAsync(second);
        await second.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.7, x = 4.0, y = 4.0 });
        await SyncAsync(second);
        await first.DisposeAsync();

        await LiveAsync(hub, id, s => Math.Abs(s.Strength - 0.7) < 1e-12);
        await Eventually.Until(() => Host.Grains.GetGrain<ISpaceGrain>(space).GetLatestTick(), t => t.ActiveNodes == 1, what: "the reconnected participant counted");
        // Still there after any later batch.
        await SyncAsync(second);
        await SettledAsync(hub);
        Assert.True((await Host.Grains.GetGrain<INodeGrain>(id).GetSnapshot())?.Live);
    }

    [Fact]
    public async Task A_hub_without_sessions_is_released_and_the_space_works_again_on_next_use()
    {
        const string space = "release-me";
        long releasedBefore = Hubs.Released;
        await using (var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}")))
        {
            await JoinedAsync(c);
            await c.WaitForTypeAsync("resonance_update");
        }
        await Eventually.Until(() => Task.FromResult(Hubs.Active.Any(h => h.Space == space)), any => !any, what: "the hub released");
        Assert.True(Hubs.Released > releasedBefore);

        await using var again = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
        var id = await JoinedAsync(again);
        var first = await again.WaitForTypeAsync("resonance_update");
        await again.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("seq").GetInt64() > first.Json.GetProperty("seq").GetInt64(), what: "ticks keep coming");
        await again.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.5, x = 7.0, y = 7.0 });
        await SyncAsync(again);
        await LiveAsync(await Hubs.GetAsync(space), id);
    }
}

using Resonance.LoadTest;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.LoadTest;

/// <summary>The load tool against a real embedded gateway for a few seconds: everybody connects, nothing fails.</summary>
public sealed class LoadToolAgainstGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_short_run_against_the_gateway_connects_every_client_without_errors()
    {
        var summary = await new LoadRunner(new LoadOptions
        {
            Url = fixture.Host.WebSocket,
            Clients = 50,
            DurationSeconds = 4,
            RampSeconds = 1,
            Space = "load-real",
            HeartbeatSeconds = 0.5,
            EventEverySeconds = 1,
            MemoryEverySeconds = 2,
        }).RunAsync();

        Assert.Equal(50, summary.ClientsConnected);
        Assert.True(summary.Errors == 0, summary.ToJson());
        Assert.Equal(0, summary.Disconnects);
        // Each path is timed at least once; how many samples a fixed window holds depends on the machine's load, so
        // counts are not asserted.
        Assert.True(summary.LatencyByPath["heartbeat"].Samples > 0, "heartbeat_ack carries clientTimestamp back");
        Assert.True(summary.LatencyByPath["ack"].Samples > 0, "acked events are timed");
        Assert.True(summary.LatencyByPath["memory"].Samples > 0, "memory nodes are timed");
        Assert.True(summary.MsgsInPerSecond > 0, "resonance updates flow back");
    }
}

using Resonance.LoadTest;
using Resonance.Tests.Gateway;
using Xunit.Abstractions;

namespace Resonance.Tests.LoadTest;

/// <summary>The load tool against a real embedded gateway for a few seconds: everybody connects, nothing fails.</summary>
public sealed class LoadToolAgainstGatewayTests(GatewayFixture fixture, ITestOutputHelper output) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_short_run_against_the_gateway_connects_every_client_without_errors()
    {
        var summary = await new LoadRunner(new LoadOptions
        {
            Url = fixture.Host.WebSocket,
            Clients = 50,
            // Long enough for a reply to come back inside the window: under the whole suite's load a memory node (a
            // durable write per cell it reaches) was seen to take over 2 s, and a 4 s run then timed none of them.
            DurationSeconds = 8,
            RampSeconds = 1,
            Space = "load-real",
            HeartbeatSeconds = 0.5,
            EventEverySeconds = 1,
            MemoryEverySeconds = 1,
        }).RunAsync();
        // The whole summary goes to the test's output, where a failure below shows it.
        var json = summary.ToJson();
        output.WriteLine(json);

        Assert.Equal(50, summary.ClientsConnected);
        Assert.True(summary.Errors == 0, json);
        Assert.Equal(0, summary.Disconnects);
        // Each path is timed at least once; how many samples a fixed window holds depends on the machine's load, so
        // counts are not asserted.
        Assert.True(summary.LatencyByPath["heartbeat"].Samples > 0, "heartbeat_ack carries clientTimestamp back");
        Assert.True(summary.LatencyByPath["ack"].Samples > 0, "acked events are timed");
        Assert.True(summary.LatencyByPath["memory"].Samples > 0, "memory nodes are timed");
        Assert.True(summary.MsgsInPerSecond > 0, "resonance updates flow back");
    }
}

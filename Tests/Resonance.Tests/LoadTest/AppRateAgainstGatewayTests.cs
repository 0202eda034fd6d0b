using System.Text.Json;
using Resonance.LoadTest;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.LoadTest;

/// <summary>The app-rate workload against a real embedded gateway: updates flow, are lag-timed and counted.</summary>
public sealed class AppRateAgainstGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_short_app_rate_run_times_resonance_updates_and_counts_deliveries()
    {
        var summary = await new LoadRunner(new LoadOptions
        {
            Url = fixture.Host.WebSocket,
            Clients = 20,
            DurationSeconds = 5,
            RampSeconds = 1,
            Space = "load-app-rate",
            Workload = Workload.AppRate,
            // The gateway runs in this process: its CPU and RSS are ours, which still exercises /proc sampling.
            ServerPid = Environment.ProcessId,
        }).RunAsync();

        string json = summary.ToJson();
        Assert.Equal(20, summary.ClientsConnected);
        Assert.True(summary.Errors == 0, json);
        Assert.Equal(0, summary.Disconnects);
        var rt = summary.RealTime;
        Assert.Equal("app-rate", rt.Workload);
        Assert.True(rt.UpdateLag.Samples > 0, json);
        Assert.True(rt.UpdatesDelivered > 0, json);
        Assert.True(rt.UpdatesExpected > 0, json);
        Assert.NotNull(rt.DeliveredPercent);
        Assert.Equal(0, rt.UpdatesWithoutTimestamp);
        Assert.NotNull(rt.ServerCpuPercent);
        Assert.True(rt.ServerRssMaxBytes > 0);
        // app-rate sends streams and heartbeats only.
        Assert.True(summary.MsgsOutByType["harmonic_stream"] > 0);
        Assert.Equal(0, summary.MsgsOutByType["consciousness_event"]);
        Assert.Equal(0, summary.MsgsOutByType["memory_crystallize"]);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var key in new[] { "workload", "update_lag", "updates_delivered_per_s", "updates_expected_per_s", "updates_delivered_percent",
                     "heartbeat_rtt", "tool_cpu_window_percent", "server", "warnings", "clients_connected", "errors", "disconnects" })
            Assert.True(root.TryGetProperty(key, out _), key);
        Assert.True(root.GetProperty("update_lag").GetProperty("samples").GetInt64() > 0);
        Assert.Contains("update lag", summary.ToText());
    }
}

using Resonance.Tests.Processes;

namespace Resonance.Tests.Gateway;

/// <summary>The gateway as a pure Orleans client of a separately started silo process.</summary>
public sealed class ClientModeTests
{
    [Fact]
    public async Task A_client_mode_gateway_serves_the_protocol_from_a_separate_silo()
    {
        await using var silo = await SiloProcess.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Gateway:Mode"] = "client",
            ["Resonance:Silo:GatewayPort"] = silo.GatewayPort.ToString(),
        });
        using var http = new HttpClient { BaseAddress = gateway.Http };
        Assert.Contains("\"mode\":\"client\"", await http.GetStringAsync("/healthz"));

        await using var c = await WsClient.ConnectAsync(new Uri(gateway.WebSocket + "?space=client-mode"));
        await c.WaitForTypeAsync("connection_established");
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.6, x = 10.0, y = 10.0 });
        var update = await c.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1,
            what: "the silo's space counting the participant");
        Assert.Equal(0.6, update.Json.GetProperty("globalResonance").GetDouble(), 12);
    }
}

/// <summary>The stream survives a silo restart: the gateway renews its observer subscriptions.</summary>
public sealed class SiloRestartTests
{
    [Fact]
    public async Task After_a_silo_restart_the_resonance_stream_resumes()
    {
        // Disposed early by the restart below, and again at the end: a failure before the restart must not leak it.
        await using var silo = await SiloProcess.StartAsync();
        int siloPort = silo.SiloPort, gatewayPort = silo.GatewayPort;
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Gateway:Mode"] = "client",
            ["Resonance:Silo:GatewayPort"] = gatewayPort.ToString(),
        });
        await using var c = await WsClient.ConnectAsync(new Uri(gateway.WebSocket + "?space=restart"));
        await c.WaitForTypeAsync("connection_established");
        await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.6, x = 10.0, y = 10.0 });
        await c.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1);

        silo.Kill();
        await silo.DisposeAsync();
        await using var restarted = await SiloProcess.StartAsync(siloPort: siloPort, gatewayPort: gatewayPort);

        // The client keeps streaming as the app does; once the gateway renewed its subscription, updates flow again
        // and they come from the new silo (its space counts the re-streamed participant).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        WsClient.Message? resumed = null;
        while (resumed is null && DateTime.UtcNow < deadline)
        {
            await c.SendAsync(new { type = "harmonic_stream", frequency = 3, amplitude = 0.7, x = 10.0, y = 10.0 });
            try
            {
                resumed = await c.WaitForAsync(m => m.Type == "resonance_update" && Math.Abs(m.Json.GetProperty("globalResonance").GetDouble() - 0.7) < 1e-12,
                    TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException) { }
        }
        Assert.NotNull(resumed);
        Assert.Equal(1, resumed!.Json.GetProperty("activeNodes").GetInt32());
    }
}

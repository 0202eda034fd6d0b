using System.Net;
using System.Text.Json;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Forecasting;

/// <summary>A client-mode gateway serves forecasts from the silos without running (or loading) ML.NET itself.</summary>
public sealed class ForecastClientModeTests
{
    [Fact]
    public async Task The_forecast_comes_from_the_silo_and_the_client_mode_gateway_never_loads_ML_NET()
    {
        await using var silo = await SiloProcess.StartAsync();
        string data = Directory.CreateTempSubdirectory("resonance-fc-").FullName;
        await using var gateway = await GatewayProcess.StartAsync(data, new Dictionary<string, string>
        {
            ["Resonance__Gateway__Mode"] = "client",
            ["Resonance__Silo__GatewayPort"] = silo.GatewayPort.ToString(),
        });
        using var http = new HttpClient { BaseAddress = gateway.Http };
        var response = await http.GetAsync("/api/spaces/fc-client/forecast?horizon=30");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        // A space nobody used has no history yet: the silo's forecaster says so.
        Assert.Equal("insufficient_history", json.GetProperty("status").GetString());
        Assert.Equal(30, json.GetProperty("horizon").GetInt32());
        Assert.Equal(400, (int)(await http.GetAsync("/api/spaces/fc-client/forecast?horizon=0")).StatusCode);

        // Managed assemblies are mapped files. The gateway ships ML.NET (it references Grains for the embedded silo) and has
        // the Grains assembly loaded (the forecast options, the grain interface), but never maps ML.NET itself.
        string maps = await File.ReadAllTextAsync($"/proc/{gateway.ProcessId}/maps");
        Assert.Contains("Resonance.Grains.dll", maps);
        Assert.True(File.Exists(Path.Combine(SiloProcess.RepositoryRoot(), "Gateway", "bin", "Release", "net10.0", "Microsoft.ML.FastTree.dll")));
        Assert.DoesNotContain("Microsoft.ML", maps);
        GatewayHostCleanup(data);
    }

    private static void GatewayHostCleanup(string data) => Resonance.Tests.Gateway.GatewayHost.DeleteData(data);
}

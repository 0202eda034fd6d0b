using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resonance.Gateway.Hosting;

namespace Resonance.Tests.Browser;

/// <summary>
/// A real gateway (embedded silo) started in-process on loopback, with free ports and a temporary data directory.
/// <see cref="StartAsync"/> can reuse the ports of an earlier instance, so a test can restart "the same" server.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public Uri BaseAddress { get; }
    public int HttpPort => BaseAddress.Port;
    public int SiloPort { get; }
    public int SiloGatewayPort { get; }
    public string DataDirectory { get; }
    public IServiceProvider Services => _app.Services;
    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    private GatewayServer(WebApplication app, Uri address, int siloPort, int siloGatewayPort, string dataDirectory)
    {
        _app = app;
        BaseAddress = address;
        SiloPort = siloPort;
        SiloGatewayPort = siloGatewayPort;
        DataDirectory = dataDirectory;
    }

    public static async Task<GatewayServer> StartAsync(GatewayServer? samePortsAs = null)
    {
        int siloPort = samePortsAs?.SiloPort ?? FreePort();
        int siloGatewayPort = samePortsAs?.SiloGatewayPort ?? FreePort();
        string urls = samePortsAs is null ? "http://127.0.0.1:0" : $"http://127.0.0.1:{samePortsAs.HttpPort}";
        string data = samePortsAs?.DataDirectory ?? Directory.CreateTempSubdirectory("resonance-viewer-test-").FullName;

        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = urls,
                ["Resonance:Silo:Port"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Resonance:Silo:GatewayPort"] = siloGatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Resonance:Gateway:DataDirectory"] = data,
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Orleans"] = "Error",
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("The server exposes no IServerAddressesFeature.");
        var address = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        return new GatewayServer(app, address, siloPort, siloGatewayPort, data);
    }

    /// <summary>Stops the server but keeps the data directory (for a restart on the same ports).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private int _stopped;

    public async ValueTask DisposeAsync() => await StopAsync();

    public static void DeleteData(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

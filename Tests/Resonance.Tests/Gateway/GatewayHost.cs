using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Hosting;

namespace Resonance.Tests.Gateway;

/// <summary>A real gateway (Kestrel on a free loopback port, co-hosting a silo on free ports) started in-process.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public WebApplication App { get; }
    public Uri Http { get; }
    public Uri WebSocket => new($"ws://{Http.Authority}/api/harmonic-ws");
    public string DataDirectory { get; }
    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    private GatewayHost(WebApplication app, Uri http, string dataDirectory)
    {
        App = app;
        Http = http;
        DataDirectory = dataDirectory;
    }

    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("resonance-gw-").FullName;
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Resonance:Silo:Port"] = FreePort().ToString(),
            ["Resonance:Silo:GatewayPort"] = FreePort().ToString(),
            ["Resonance:Gateway:DataDirectory"] = dataDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var app = GatewayApp.Build([], builder => builder.Configuration.AddInMemoryCollection(config));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address), dataDirectory);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>One gateway shared by a test class, with budgets high enough for the flood tests.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Gateway:MaxErrorsPerMinute"] = "100000000",
        ["Resonance:Gateway:MaxMessagesPerSecond"] = "100000000",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    public int SiloPort { get; }
    public int SiloGatewayPort { get; }

    private GatewayHost(WebApplication app, Uri http, string dataDirectory, int siloPort, int siloGatewayPort)
    {
        App = app;
        Http = http;
        DataDirectory = dataDirectory;
        SiloPort = siloPort;
        SiloGatewayPort = siloGatewayPort;
    }

    /// <summary>
    /// Starts a gateway; <paramref name="samePortsAs"/> restarts "the same" server (its ports and data directory) after
    /// that one stopped.
    /// </summary>
    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null, GatewayHost? samePortsAs = null,
        ILoggerProvider? logs = null)
    {
        // Ports are probed free, then bound: a test class running in parallel may take one in between; retry on new ones.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, dataDirectory, samePortsAs, logs);
            }
            catch (Exception e) when (attempt < 3 && samePortsAs is null && e is not OperationCanceledException)
            {
            }
        }
    }

    private static async Task<GatewayHost> StartOnceAsync(IDictionary<string, string?>? settings, string? dataDirectory, GatewayHost? samePortsAs,
        ILoggerProvider? logs)
    {
        dataDirectory ??= samePortsAs?.DataDirectory ?? TempDirectories.Create("resonance-gw-");
        int siloPort = samePortsAs?.SiloPort ?? FreePort(), siloGatewayPort = samePortsAs?.SiloGatewayPort ?? FreePort();
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = samePortsAs is null ? "http://127.0.0.1:0" : $"http://127.0.0.1:{samePortsAs.Http.Port}",
            ["Resonance:Silo:Port"] = siloPort.ToString(),
            ["Resonance:Silo:GatewayPort"] = siloGatewayPort.ToString(),
            ["Resonance:Gateway:DataDirectory"] = dataDirectory,
            // A gateway uses PostgreSQL or Redis only when its test asks (with its own database and cluster id), so
            // every other gateway test starts alone with empty stores of its own, whatever the environment holds.
            ["Resonance:Storage:Postgres"] = "",
            ["Resonance:Storage:Sqlite"] = "",
            ["Resonance:Cluster:Redis"] = "",
            // Tests open many clients from 127.0.0.1; the per-address cap has its own test.
            ["Resonance:Gateway:MaxConnectionsPerAddress"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            if (logs is not null) builder.Logging.AddProvider(logs);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address), dataDirectory, siloPort, siloGatewayPort);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private int _stopped;

    /// <summary>Stops the server (idempotent); the data directory stays for a restart.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static void DeleteData(string directory) => TempDirectories.Delete(directory);
}

/// <summary>One gateway shared by a test class, with budgets high enough for the flood tests.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Gateway:MaxErrorsPerMinute"] = "100000000",
        ["Resonance:Gateway:MaxMessagesPerSecond"] = "100000000",
        // The slow-reader tests keep clients that never read open while they measure the others.
        ["Resonance:Gateway:SendTimeout"] = "00:10:00",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

using Resonance.Tests.Gateway;

namespace Resonance.Tests.Processes;

/// <summary>
/// The embedded default as a real process (the built Release <c>Resonance.Gateway</c> binary: a gateway co-hosting a
/// silo, SQLite under <c>--Resonance:Gateway:DataDirectory</c>), on free loopback ports; killed on dispose.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly ServerProcess _server;

    public Uri Http => _server.Http;
    /// <summary>The co-hosted silo's client port (an Orleans client of the test can join there).</summary>
    public int SiloGatewayPort { get; }

    public int ProcessId => _server.Id;
    public Uri WebSocket => new($"ws://{Http.Authority}/api/harmonic-ws");

    private GatewayProcess(ServerProcess server, int siloGatewayPort)
    {
        _server = server;
        SiloGatewayPort = siloGatewayPort;
    }

    /// <summary>Starts the server on <paramref name="dataDirectory"/>; a start that lost a probed port is retried on new ones.</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null, string? workingDirectory = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataDirectory, settings, workingDirectory);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task<GatewayProcess> StartOnceAsync(string dataDirectory, IDictionary<string, string>? settings, string? workingDirectory)
    {
        int hp = GatewayHost.FreePort(), sp = GatewayHost.FreePort(), gp = GatewayHost.FreePort();
        var gateway = new GatewayProcess(ServerProcess.Start("Gateway", [$"--Resonance:Gateway:DataDirectory={dataDirectory}"], hp, sp, gp, settings, workingDirectory), gp);
        try
        {
            await gateway._server.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
        return gateway;
    }

    public bool HasExited => _server.HasExited;

    public int Pid => _server.Id;

    public string Output => _server.Output;

    /// <summary>SIGKILL: no shutdown, nothing flushed that was not already on disk.</summary>
    public Task KillAsync() => _server.KillAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

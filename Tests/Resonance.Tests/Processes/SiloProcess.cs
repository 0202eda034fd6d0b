using Resonance.Tests.Gateway;

namespace Resonance.Tests.Processes;

/// <summary>A real <c>Resonance.Silo</c> process (the built Release binary) on loopback ports, killed on dispose.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ServerProcess _server;

    public int SiloPort { get; }
    public int GatewayPort { get; }

    public int ProcessId => _server.Id;
    public Uri Http => _server.Http;

    private SiloProcess(ServerProcess server, int siloPort, int gatewayPort)
    {
        _server = server;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>The repository root, found from the test binary's folder.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Starts a silo; with ports left to choose, a start that fails (another test grabbed a "free" port between the
    /// probe and the bind) is retried on new ports.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(IDictionary<string, string>? settings = null, int? siloPort = null, int? gatewayPort = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, siloPort, gatewayPort);
            }
            catch (InvalidOperationException) when (attempt < 3 && siloPort is null && gatewayPort is null)
            {
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> silos at once. When one fails to start, those that did are stopped before the
    /// failure is thrown, so a failed start leaves no process behind.
    /// </summary>
    public static async Task<SiloProcess[]> StartManyAsync(int count, IDictionary<string, string>? settings = null)
    {
        var starts = Enumerable.Range(0, count).Select(_ => StartAsync(settings)).ToArray();
        try
        {
            return await Task.WhenAll(starts);
        }
        catch
        {
            foreach (var start in starts)
                if (start.IsCompletedSuccessfully) await start.Result.DisposeAsync();
            throw;
        }
    }

    private static async Task<SiloProcess> StartOnceAsync(IDictionary<string, string>? settings, int? siloPort, int? gatewayPort)
    {
        int sp = siloPort ?? GatewayHost.FreePort(), gp = gatewayPort ?? GatewayHost.FreePort(), hp = GatewayHost.FreePort();
        var silo = new SiloProcess(ServerProcess.Start("Silo", [], hp, sp, gp, settings), sp, gp);
        try
        {
            await silo.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
        return silo;
    }

    public Task WaitHealthyAsync(TimeSpan timeout) => _server.WaitHealthyAsync(timeout);

    public string Output => _server.Output;

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _server.Kill();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

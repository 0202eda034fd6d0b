using System.Diagnostics;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Processes;

/// <summary>
/// The embedded default as a real process (the built Release <c>Resonance.Gateway</c> binary: a gateway co-hosting a
/// silo, SQLite under <c>--Resonance:Gateway:DataDirectory</c>), on free loopback ports; killed on dispose.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public Uri Http { get; }
    /// <summary>The co-hosted silo's client port (an Orleans client of the test can join there).</summary>
    public int SiloGatewayPort { get; }

    public int ProcessId => _process.Id;
    public Uri WebSocket => new($"ws://{Http.Authority}/api/harmonic-ws");

    private GatewayProcess(Process process, Uri http, int siloGatewayPort)
    {
        _process = process;
        Http = http;
        SiloGatewayPort = siloGatewayPort;
    }

    /// <summary>Starts the server on <paramref name="dataDirectory"/>; a start that lost a probed port is retried on new ones.</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataDirectory, settings);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task<GatewayProcess> StartOnceAsync(string dataDirectory, IDictionary<string, string>? settings)
    {
        string dll = Path.Combine(SiloProcess.RepositoryRoot(), "Gateway", "bin", "Release", "net10.0", "Resonance.Gateway.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the solution in Release first (dotnet build Orleans.sln -c Release): {dll} is missing.");
        int hp = GatewayHost.FreePort(), sp = GatewayHost.FreePort(), gp = GatewayHost.FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add($"--Resonance:Gateway:DataDirectory={dataDirectory}");
        // Only what the test asks for: the embedded default, whatever the environment of the test run holds.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Resonance__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["Urls"] = $"http://127.0.0.1:{hp}";
        info.Environment["Resonance__Silo__Port"] = sp.ToString();
        info.Environment["Resonance__Silo__GatewayPort"] = gp.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{hp}"), gp);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gateway._output) gateway._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gateway._output) gateway._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await gateway.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
        return gateway;
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Gateway exited with {_process.ExitCode}: {Output}");
            try
            {
                if ((await http.GetAsync(new Uri(Http, "/healthz"))).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gateway not healthy in time: {Output}");
            await Task.Delay(100);
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return string.Join('\n', _output.TakeLast(40)); }
    }

    /// <summary>SIGKILL: no shutdown, nothing flushed that was not already on disk.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

using System.Diagnostics;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Processes;

/// <summary>A real <c>Resonance.Silo</c> process (the built Release binary) on loopback ports, killed on dispose.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public int SiloPort { get; }
    public int GatewayPort { get; }

    public int ProcessId => _process.Id;
    public Uri Http { get; }

    private SiloProcess(Process process, int siloPort, int gatewayPort, Uri http)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Http = http;
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

    private static async Task<SiloProcess> StartOnceAsync(IDictionary<string, string>? settings, int? siloPort, int? gatewayPort)
    {
        string dll = Path.Combine(RepositoryRoot(), "Silo", "bin", "Release", "net10.0", "Resonance.Silo.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the solution in Release first (dotnet build Orleans.sln -c Release): {dll} is missing.");
        int sp = siloPort ?? GatewayHost.FreePort(), gp = gatewayPort ?? GatewayHost.FreePort(), hp = GatewayHost.FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        // Only what the test asks for: no Resonance settings leak in from the environment the tests run in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Resonance__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["Urls"] = $"http://127.0.0.1:{hp}";
        info.Environment["Resonance__Silo__Port"] = sp.ToString();
        info.Environment["Resonance__Silo__GatewayPort"] = gp.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var silo = new SiloProcess(process, sp, gp, new Uri($"http://127.0.0.1:{hp}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (silo._output) silo._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (silo._output) silo._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Silo exited with {_process.ExitCode}: {Output}");
            try
            {
                if ((await http.GetAsync(new Uri(Http, "/healthz"))).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Silo not healthy in time: {Output}");
            await Task.Delay(200);
        }
    }

    public string Output
    {
        get { lock (_output) return string.Join('\n', _output.TakeLast(40)); }
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

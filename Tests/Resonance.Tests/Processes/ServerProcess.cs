using System.Diagnostics;

namespace Resonance.Tests.Processes;

/// <summary>
/// One built Release binary of this repository (the gateway or the silo) started as a process on given loopback ports,
/// with only the settings the test asks for, its output kept for failure messages; killed on dispose.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly string _name;
    private bool _disposed;

    public Uri Http { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    private ServerProcess(Process process, string name, Uri http)
    {
        _process = process;
        _name = name;
        Http = http;
    }

    /// <summary>
    /// Starts <c>{project}/bin/Release/net10.0/Resonance.{project}.dll</c> with <paramref name="args"/>, in the binary's
    /// folder unless <paramref name="workingDirectory"/> is given.
    /// </summary>
    public static ServerProcess Start(string project, IEnumerable<string> args, int httpPort, int siloPort, int gatewayPort, IDictionary<string, string>? settings,
        string? workingDirectory = null)
    {
        string dll = Path.Combine(SiloProcess.RepositoryRoot(), project, "bin", "Release", "net10.0", $"Resonance.{project}.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the solution in Release first (dotnet build Orleans.sln -c Release): {dll} is missing.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Only what the test asks for: no Resonance settings leak in from the environment the tests run in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Resonance__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["Urls"] = $"http://127.0.0.1:{httpPort}";
        info.Environment["Resonance__Silo__Port"] = siloPort.ToString();
        info.Environment["Resonance__Silo__GatewayPort"] = gatewayPort.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var server = new ServerProcess(process, project, new Uri($"http://127.0.0.1:{httpPort}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (server._output) server._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._output) server._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <c>/healthz</c> until it answers 2xx; throws (with the output) if the process exits or time runs out.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{_name} exited with {_process.ExitCode}: {Output}");
            try
            {
                if ((await http.GetAsync(new Uri(Http, "/healthz"))).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{_name} not healthy in time: {Output}");
            await Task.Delay(100);
        }
    }

    public string Output
    {
        get { lock (_output) return string.Join('\n', _output.TakeLast(40)); }
    }

    /// <summary>SIGKILL: no shutdown, nothing flushed that was not already on disk, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Kills the process if it still runs; a second call does nothing (a test may dispose early, then again).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await KillAsync();
        _process.Dispose();
    }
}

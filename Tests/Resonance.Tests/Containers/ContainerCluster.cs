using System.Diagnostics;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Containers;

/// <summary>
/// Silo and gateway containers (<c>docker run --network host</c>, each on its own loopback ports) configured from the
/// Kubernetes manifests, and nginx in front of the gateways. Everything it started is removed on dispose.
/// </summary>
public sealed class ContainerCluster : IAsyncDisposable
{
    public const string SiloDeployment = "resonance-silo", SiloContainer = "silo";
    public const string GatewayDeployment = "resonance-gateway", GatewayContainer = "gateway";
    public const string ConnectionsSecret = "resonance-connections";
    public const string AuthSecret = "resonance-auth";
    public const string PrivacySecret = "resonance-privacy";

    private readonly Docker.Images _images;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> _secrets;
    private readonly IReadOnlyDictionary<string, string> _testOverrides;
    private readonly string _manifests = K8sManifests.Directory(SiloProcess.RepositoryRoot());
    private readonly List<Container> _containers = [];
    private readonly Dictionary<string, int> _indexes = [];
    private Nginx? _nginx;

    /// <summary>Unique per cluster: container names, the docker label used for clean-up.</summary>
    public string RunId { get; } = $"rt{Guid.NewGuid():N}"[..10];

    public IReadOnlyList<Container> Silos => Of(SiloContainer);
    public IReadOnlyList<Container> Gateways => Of(GatewayContainer);

    private List<Container> Of(string role)
    {
        lock (_containers) return _containers.Where(c => c.Role == role).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }
    public Nginx Nginx => _nginx ?? throw new InvalidOperationException("nginx is not started");

    /// <param name="images">the images to run</param>
    /// <param name="postgres">the <c>Resonance__Storage__Postgres</c> of the <c>resonance-connections</c> Secret</param>
    /// <param name="redis">the <c>Resonance__Cluster__Redis</c> of that Secret</param>
    /// <param name="testOverrides">
    /// settings the test changes on top of the manifests (cluster isolation and faster failure detection), applied to
    /// every container after the manifest's environment and the host-network ports
    /// </param>
    public ContainerCluster(Docker.Images images, string postgres, string redis, IReadOnlyDictionary<string, string> testOverrides)
    {
        _images = images;
        _secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ConnectionsSecret] = new Dictionary<string, string>
            {
                ["Resonance__Storage__Postgres"] = postgres,
                ["Resonance__Cluster__Redis"] = redis,
            },
            // One pair of keys for the whole cluster: every gateway accepts the others' tokens and agrees on public ids.
            [AuthSecret] = new Dictionary<string, string>
            {
                ["Resonance__Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["Resonance__Auth__PseudonymKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            },
            // Every silo container must share the master key (each has its own file system).
            // ... and the log's signing key (one key signs every space's checkpoints, whichever silo answers).
            [PrivacySecret] = new Dictionary<string, string>
            {
                ["master-key-k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["log-signing-key"] = Convert.ToBase64String(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKey()),
            },
        };
        _testOverrides = testOverrides;
    }

    /// <summary>The environment a container gets: the manifest's (resolved), then host-network ports, then test overrides.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment(string deployment, string container, string name, IReadOnlyDictionary<string, string> ports)
    {
        var env = K8sManifests.ContainerEnvironment(_manifests, deployment, container, new K8sManifests.PodFields(name), _secrets).ToList();
        foreach (var (k, v) in ports.Concat(_testOverrides))
        {
            env.RemoveAll(kv => kv.Key == k);
            env.Add(new(k, v));
        }
        return env;
    }

    public Task<Container> StartSiloAsync() => StartAsync(SiloDeployment, SiloContainer, _images.Silo, () =>
    {
        // Host networking: every silo needs its own silo, gateway and HTTP ports (the pod's would all be 11111/30000/8080).
        int http = Docker.FreePort(), silo = Docker.FreePort(), gateway = Docker.FreePort();
        return (http, new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{http}",
            ["Resonance__Silo__Port"] = silo.ToString(),
            ["Resonance__Silo__GatewayPort"] = gateway.ToString(),
        });
    });

    public Task<Container> StartGatewayAsync() => StartAsync(GatewayDeployment, GatewayContainer, _images.Gateway, () =>
    {
        int http = Docker.FreePort();
        return (http, new Dictionary<string, string> { ["Urls"] = $"http://127.0.0.1:{http}" });
    });

    private async Task<Container> StartAsync(string deployment, string role, string image, Func<(int Http, Dictionary<string, string> Ports)> ports)
    {
        int index;
        lock (_indexes) _indexes[role] = index = _indexes.GetValueOrDefault(role, -1) + 1;
        string name = $"{RunId}-{role}-{index}";
        for (int attempt = 1; ; attempt++)
        {
            var (http, portEnv) = ports();
            var env = Environment(deployment, role, name, portEnv);
            var container = new Container(name, role, image, http, portEnv, env, RunId);
            await container.CreateAsync();
            try
            {
                await container.WaitHealthyAsync(TimeSpan.FromSeconds(90));
                lock (_containers) _containers.Add(container);
                return container;
            }
            catch (Exception) when (attempt < 3)
            {
                // A "free" port taken between the probe and the bind: new ports. Anything else fails the start.
                if (!(await container.LogsAsync()).Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    lock (_containers) _containers.Add(container); // kept for its logs, removed on dispose
                    throw;
                }
                await container.RemoveAsync();
            }
            catch
            {
                lock (_containers) _containers.Add(container);
                throw;
            }
        }
    }

    public async Task<Nginx> StartNginxAsync()
    {
        _nginx = await Nginx.StartAsync(Gateways.Select(g => g.HttpPort).ToList());
        return _nginx;
    }

    /// <summary>Recent logs of every container, for a failing test's output.</summary>
    public async Task<string> DescribeAsync()
    {
        var parts = new List<string>();
        List<Container> all;
        lock (_containers) all = [.. _containers];
        foreach (var c in all)
            parts.Add($"--- {c.Name} ({c.Role}, http {c.HttpPort}, {await c.StateAsync()}):\n{Docker.Tail(await c.LogsAsync(), 25)}");
        if (_nginx is not null) parts.Add($"--- nginx:\n{_nginx.ErrorLog()}");
        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_nginx is not null) await _nginx.DisposeAsync();
        // Everything labelled with this run, including a container whose start failed half-way.
        var ids = await Docker.CliUnchecked("ps", "-aq", "--filter", $"label=org.resonance.test={RunId}");
        var list = ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (list.Length > 0) await Docker.CliUnchecked(["rm", "-f", .. list]);
    }
}

/// <summary>One container of the cluster (host networking), with its ports and resolved environment.</summary>
public sealed class Container(string name, string role, string image, int httpPort, IReadOnlyDictionary<string, string> ports,
    IReadOnlyList<KeyValuePair<string, string>> environment, string runId)
{
    public string Name { get; } = name;
    public string Role { get; } = role;
    public int HttpPort { get; } = httpPort;
    public Uri Http => new($"http://127.0.0.1:{HttpPort}");
    public IReadOnlyDictionary<string, string> Ports { get; } = ports;
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; } = environment;
    public int SiloPort => int.Parse(Ports["Resonance__Silo__Port"]);

    public async Task CreateAsync()
    {
        var args = new List<string> { "run", "-d", "--name", Name, "--network", "host", "--label", $"org.resonance.test={runId}", "--label", $"org.resonance.role={Role}" };
        foreach (var (k, v) in Environment) args.AddRange(["-e", $"{k}={v}"]);
        args.Add(image);
        await Docker.Cli([.. args]);
    }

    /// <summary>SIGKILL: no shutdown, no goodbye.</summary>
    public Task KillAsync() => Docker.Cli("kill", "--signal", "KILL", Name);

    /// <summary>SIGTERM (the image's STOPSIGNAL), then SIGKILL after the grace period (the pod's default 30 s).</summary>
    public Task StopAsync(int graceSeconds = 30) => Docker.RunAsync("docker", ["stop", "-t", graceSeconds.ToString(), Name], TimeSpan.FromSeconds(graceSeconds + 30));

    /// <summary>Starts the stopped container again: same name, ports and environment.</summary>
    public Task StartAsync() => Docker.Cli("start", Name);

    public Task RemoveAsync() => Docker.CliUnchecked("rm", "-f", Name);

    public async Task<string> LogsAsync() => (await Docker.CliUnchecked("logs", "--tail", "200", Name)).Output;

    public async Task<string> StateAsync() =>
        (await Docker.CliUnchecked("inspect", "--format", "{{.State.Status}} exit={{.State.ExitCode}} health={{if .State.Health}}{{.State.Health.Status}}{{end}}", Name)).Stdout.Trim();

    public async Task<int> ExitCodeAsync() => int.Parse((await Docker.Cli("inspect", "--format", "{{.State.ExitCode}}", Name)).Stdout.Trim());

    /// <summary>The image's own HEALTHCHECK verdict (starting, healthy, unhealthy).</summary>
    public async Task<string> HealthAsync() => (await Docker.CliUnchecked("inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", Name)).Stdout.Trim();

    /// <summary>Polls GET /healthz until it answers 200 (the readiness probe of the manifests).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(6) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if ((await http.GetAsync(new Uri(Http, "/healthz"))).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            string state = await StateAsync();
            if (state.StartsWith("exited", StringComparison.Ordinal) || state.StartsWith("dead", StringComparison.Ordinal))
                throw new InvalidOperationException($"{Name} exited ({state}): {Docker.Tail(await LogsAsync())}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} not healthy in time ({state}): {Docker.Tail(await LogsAsync())}");
            await Task.Delay(250);
        }
    }

    /// <summary>Waits until the container has exited (docker stop returns then, but a kill is asynchronous).</summary>
    public async Task WaitExitedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(await StateAsync()).StartsWith("exited", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not exit in time");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// nginx from Debian in front of the gateways with the project's own configuration, <c>deploy/nginx/resonance.conf</c>
/// (copied into a run directory next to the two files it includes, generated here: <c>upstream.conf</c> with the
/// running gateways and <c>listen.conf</c> with a free port), run in the foreground by the test.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Text.StringBuilder _stderr = new();

    public int Port { get; }
    public Uri Http => new($"http://127.0.0.1:{Port}");
    public Uri WebSocket => new($"ws://127.0.0.1:{Port}/api/harmonic-ws");

    private Nginx(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    public static string Binary => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";

    /// <summary>The gateways, one <c>server</c> line each (resonance.conf wraps them in its upstream block).</summary>
    public static string Upstream(IEnumerable<int> gatewayPorts) =>
        string.Concat(gatewayPorts.Select(p => $"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"));

    public static async Task<Nginx> StartAsync(IReadOnlyList<int> gatewayPorts)
    {
        string config = Path.Combine(SiloProcess.RepositoryRoot(), "deploy", "nginx", "resonance.conf");
        for (int attempt = 1; ; attempt++)
        {
            string dir = Directory.CreateTempSubdirectory("resonance-nginx-").FullName;
            int port = Docker.FreePort();
            File.Copy(config, Path.Combine(dir, "resonance.conf"));
            File.WriteAllText(Path.Combine(dir, "upstream.conf"), Upstream(gatewayPorts));
            File.WriteAllText(Path.Combine(dir, "listen.conf"), $"listen 127.0.0.1:{port};\n");
            var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-p", dir + "/", "-c", Path.Combine(dir, "resonance.conf"), "-e", "stderr", "-g", "daemon off;" }) info.ArgumentList.Add(a);
            var process = Process.Start(info)!;
            var nginx = new Nginx(process, dir, port);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!process.HasExited && !await Docker.ListeningAsync(port) && DateTime.UtcNow < deadline) await Task.Delay(50);
            if (!process.HasExited && await Docker.ListeningAsync(port)) return nginx;
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
            string log = nginx.ErrorLog();
            await nginx.DisposeAsync();
            if (attempt >= 3 || !log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"nginx did not start: {log}");
        }
    }

    public string ErrorLog()
    {
        lock (_stderr) return Docker.Tail(_stderr.ToString(), 20);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Resonance.LoadTest;


namespace Resonance.Tests.LoadTest;

/// <summary>Skips (with the reason) where node or npm is not installed: the peer needs both.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!OnPath("node") || !OnPath("npm")) Skip = "node and npm are needed for the reference peer (Tests/LoadTest/peer) and are not on PATH";
    }

    private static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));
}

/// <summary>The reference peer started through its script, with the load tool run against it briefly.</summary>
public sealed class ReferencePeerTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Orleans.sln"))) return d.FullName;
        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var c = new TcpClient();
        try { await c.ConnectAsync(IPAddress.Loopback, port); return true; }
        catch (SocketException) { return false; }
    }

    [NodeFact]
    public async Task The_peer_serves_app_rate_clients_with_timed_resonance_updates()
    {
        string script = Path.Combine(RepoRoot(), "Tests", "LoadTest", "peer", "run.sh");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Process? peer = null;
        int port = 0;
        // A port probed free can be taken before the peer binds it: retry on a new one.
        for (int attempt = 0; attempt < 3 && peer is null; attempt++)
        {
            port = FreePort();
            var p = Process.Start(new ProcessStartInfo("bash", [script, port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            p.OutputDataReceived += (_, e) => { if (e.Data != null) output.Enqueue(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) output.Enqueue(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            // The first start may run npm ci: a generous deadline, polled.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
            while (DateTime.UtcNow < deadline && !p.HasExited && !await AcceptsAsync(port)) await Task.Delay(100);
            if (!p.HasExited && await AcceptsAsync(port)) { peer = p; break; }
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.Dispose();
        }
        Assert.True(peer is not null, "the peer did not start: " + string.Join("\n", output));
        try
        {
            // The peer prints its port right after it listens; the line may reach us after the port accepts.
            await Resonance.Tests.Cluster.Eventually.Until(() => Task.FromResult(output.Any(l => l.Contains($"PORT={port}"))), found => found,
                TimeSpan.FromSeconds(30), $"the peer's PORT={port} line");
            var summary = await new LoadRunner(new LoadOptions
            {
                Url = new Uri($"ws://127.0.0.1:{port}/ws"),
                Clients = 20,
                DurationSeconds = 4,
                RampSeconds = 1,
                Workload = Workload.AppRate,
                ServerPid = peer!.Id,   // run.sh execs node: this is the peer itself
            }).RunAsync();

            string json = summary.ToJson();
            Assert.Equal(20, summary.ClientsConnected);
            Assert.True(summary.Errors == 0 && summary.Disconnects == 0, json);
            Assert.True(summary.RealTime.UpdateLag.Samples > 0, json);
            Assert.True(summary.RealTime.UpdatesDelivered > 0, json);
            Assert.Equal(0, summary.RealTime.UpdatesWithoutTimestamp);
            Assert.True(summary.RealTime.UpdateBytesMean > 1000, "the peer's update has our size (~2 KB)");
            Assert.NotNull(summary.RealTime.ServerCpuPercent);
            Assert.True(summary.RealTime.ServerRssMaxBytes > 0);
            Assert.True(summary.MsgsInByType.ContainsKey("connection_established"));
        }
        finally
        {
            if (!peer!.HasExited) peer.Kill(entireProcessTree: true);
            await peer.WaitForExitAsync();
            peer.Dispose();
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Deploy;

/// <summary>
/// deploy/nginx/resonance.conf with real nginx (apt package <c>nginx</c>): it passes <c>nginx -t</c> with the example
/// and with generated include files, and, running, it carries a WebSocket upgrade to a live gateway past a dead one and
/// past a draining one (503), marking the bad one failed.
/// </summary>
public sealed class NginxConfigTests
{
    private static string NginxDir => Path.Combine(SiloProcess.RepositoryRoot(), "deploy", "nginx");

    private static string Nginx()
    {
        foreach (var candidate in new[] { "/usr/sbin/nginx", "/usr/bin/nginx" })
            if (File.Exists(candidate)) return candidate;
        throw new FileNotFoundException("nginx is missing: apt-get install -y nginx");
    }

    /// <summary>
    /// A run directory as a cluster script lays it out: a copy of resonance.conf beside the generated upstream.conf and
    /// listen.conf (nginx resolves includes against the configuration's own directory); it is also the prefix.
    /// </summary>
    private static string RunDirectory(string upstream, string listen)
    {
        string dir = Directory.CreateTempSubdirectory("resonance-nginx-").FullName;
        // Run as root, nginx's workers are `nobody`: they must be able to enter the prefix.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Copy(Path.Combine(NginxDir, "resonance.conf"), Path.Combine(dir, "resonance.conf"));
        File.WriteAllText(Path.Combine(dir, "upstream.conf"), upstream);
        File.WriteAllText(Path.Combine(dir, "listen.conf"), listen);
        return dir;
    }

    private static string Upstream(params int[] ports) =>
        string.Concat(ports.Select(p => $"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"));

    private static ProcessStartInfo NginxInfo(string dir, params string[] extra)
    {
        var info = new ProcessStartInfo(Nginx()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-e", "stderr", "-c", Path.Combine(dir, "resonance.conf"), "-p", dir + "/" }.Concat(extra))
            info.ArgumentList.Add(a);
        return info;
    }

    private static (int Code, string Output) Test(string dir)
    {
        using var p = Process.Start(NginxInfo(dir, "-t"))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void Nginx_accepts_the_config_with_the_example_includes()
    {
        string dir = RunDirectory(File.ReadAllText(Path.Combine(NginxDir, "upstream.conf.example")),
            File.ReadAllText(Path.Combine(NginxDir, "listen.conf.example")));
        try
        {
            var (code, output) = Test(dir);
            Assert.True(code == 0, "nginx -t failed:\n" + output);
            Assert.Contains("test is successful", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Nginx_accepts_the_config_with_generated_gateways_and_listener_and_rejects_a_broken_include()
    {
        string dir = RunDirectory(Upstream(GatewayHost.FreePort(), GatewayHost.FreePort()), $"listen 127.0.0.1:{GatewayHost.FreePort()};\n");
        try
        {
            var (code, output) = Test(dir);
            Assert.True(code == 0, "nginx -t failed:\n" + output);

            // nginx -t does check what it includes: an upstream without servers is refused.
            File.WriteAllText(Path.Combine(dir, "upstream.conf"), "# no gateways\n");
            (code, output) = Test(dir);
            Assert.NotEqual(0, code);
            Assert.Contains("no servers are inside upstream", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A stand-in gateway on a loopback port chosen by the kernel: a WebSocket echo, or a draining one (503).</summary>
    private sealed class Backend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public int Requests;
        public int Port { get; }

        private Backend(WebApplication app, int port) => (_app, Port) = (app, port);

        public static async Task<Backend> StartAsync(bool draining)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            Backend? self = null;
            app.Use(async (context, next) =>
            {
                Interlocked.Increment(ref self!.Requests);
                if (draining) context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                else await next();
            });
            app.UseWebSockets();
            app.Map("/api/harmonic-ws", async context =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    // Reached only if nginx dropped the Upgrade / Connection headers.
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }
                using var ws = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[4096];
                while (true)
                {
                    var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        return;
                    }
                    var reply = Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(buffer, 0, r.Count));
                    await ws.SendAsync(reply, WebSocketMessageType.Text, true, CancellationToken.None);
                }
            });
            app.MapGet("/", () => "live gateway");
            await app.StartAsync();
            self = new Backend(app, new Uri(app.Urls.Single()).Port);
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static async Task<string> EchoAsync(ClientWebSocket ws, string text)
    {
        await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var r = await ws.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, r.Count);
    }

    [Theory]
    [InlineData("dead")]
    [InlineData("draining")]
    public async Task A_websocket_through_nginx_reaches_a_live_gateway_past_a_bad_one(string bad)
    {
        await using var live = await Backend.StartAsync(draining: false);
        await using var draining = bad == "draining" ? await Backend.StartAsync(draining: true) : null;
        int badPort = draining?.Port ?? GatewayHost.FreePort(); // "dead": nothing listens there
        // The bad gateway first: nginx picks it for the first connection or, once the live one holds a connection,
        // by least_conn for the second; either way one of the two upgrades meets it and must be passed on.
        string upstream = Upstream(badPort, live.Port);

        for (int attempt = 1; ; attempt++)
        {
            int port = GatewayHost.FreePort();
            string dir = RunDirectory(upstream, $"listen 127.0.0.1:{port};\n");
            var log = new ConcurrentQueue<string>();
            using var nginx = Process.Start(NginxInfo(dir, "-g", "daemon off;"))!;
            nginx.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
            nginx.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
            nginx.BeginErrorReadLine();
            nginx.BeginOutputReadLine();
            try
            {
                bool up = await Eventually.Until(async () =>
                {
                    if (nginx.HasExited) return true;
                    using var probe = new TcpClient();
                    try { await probe.ConnectAsync(IPAddress.Loopback, port); return true; }
                    catch (SocketException) { return false; }
                }, ok => ok, TimeSpan.FromSeconds(20), "nginx listening");
                if (nginx.HasExited)
                {
                    // A port probed free can be taken before nginx binds it: retry on another.
                    if (attempt < 3 && log.Any(l => l.Contains("bind()", StringComparison.Ordinal))) continue;
                    Assert.Fail($"nginx exited with {nginx.ExitCode}:\n{string.Join('\n', log)}");
                }

                var uri = new Uri($"ws://127.0.0.1:{port}/api/harmonic-ws");
                using var first = new ClientWebSocket();
                await first.ConnectAsync(uri, CancellationToken.None);
                Assert.Equal("echo:one", await EchoAsync(first, "one"));
                using var second = new ClientWebSocket();
                await second.ConnectAsync(uri, CancellationToken.None);
                Assert.Equal("echo:two", await EchoAsync(second, "two"));
                // Both sessions are open at once, through nginx, on the live gateway.
                Assert.Equal("echo:three", await EchoAsync(first, "three"));

                // The bad gateway was tried and marked failed (passive health: max_fails=1).
                if (draining is not null) Assert.True(draining.Requests >= 1, "the draining gateway was never tried");
                string expected = bad == "dead" ? "Connection refused" : "upstream server temporarily disabled";
                await Eventually.Until(() => Task.FromResult(string.Join('\n', log)), l => l.Contains(expected, StringComparison.Ordinal),
                    TimeSpan.FromSeconds(10), $"nginx logging '{expected}'");

                // Plain requests go through the same upstream; operations endpoints do not.
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                Assert.Equal("live gateway", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode);

                await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }
            finally
            {
                if (!nginx.HasExited) nginx.Kill(entireProcessTree: true);
                await nginx.WaitForExitAsync();
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Resonance.LoadTest;

namespace Resonance.Tests.LoadTest;

/// <summary>
/// Runs the load tool end to end against a minimal stand-in that speaks just enough of
/// docs/protocol.md (acks, relays, errors, a 1008 close). The stand-in exists only in this test;
/// the real gateway is tested elsewhere.
/// </summary>
public sealed class LoadRunnerTests
{
    [Fact]
    public async Task Run_against_stand_in_times_round_trips_and_counts_errors_and_1008_closes()
    {
        await using var server = await StandIn.StartAsync(closeEvery: 5, errorEvery: 50);
        var options = new LoadOptions
        {
            Url = new Uri($"ws://127.0.0.1:{server.Port}/api/harmonic-ws"),
            Clients = 20,
            DurationSeconds = 4,
            RampSeconds = 0.5,
            Space = "load-test",
            HeartbeatSeconds = 0.25,
            EventEverySeconds = 0.3,
            MemoryEverySeconds = 0.5,
        };
        var lines = new ConcurrentQueue<string>();
        var summary = await new LoadRunner(options, lines.Enqueue).RunAsync();

        Assert.Equal(20, summary.ClientsConnected);
        Assert.Equal("load-test", server.Spaces.Distinct().Single());
        // Clients 5, 10, 15 and 20 are closed with 1008 one second in; nobody else drops.
        Assert.Equal(4, summary.Disconnects);
        Assert.Equal(4, summary.CloseCodes["1008"]);
        Assert.Equal(16, summary.ClientsOpenAtEnd);
        Assert.True(summary.ServerErrors >= 4, $"server errors {summary.ServerErrors}");
        Assert.Equal(summary.ServerErrors + summary.ConnectFailures, summary.Errors);
        Assert.True(summary.ErrorCodes.ContainsKey("rate_limited"));
        Assert.True(summary.LatencyByPath["heartbeat"].Samples > 20);
        Assert.True(summary.LatencyByPath["ack"].Samples > 10);
        Assert.True(summary.LatencyByPath["relay"].Samples > 10);
        Assert.True(summary.LatencyByPath["memory"].Samples > 5);
        Assert.Equal(summary.LatencyByPath["heartbeat"].Samples + summary.LatencyByPath["ack"].Samples, summary.Latency.Samples);
        Assert.True(summary.Latency.P50Ms <= summary.Latency.P99Ms && summary.Latency.P99Ms <= summary.Latency.MaxMs);
        Assert.True(summary.MsgsOutPerSecond > 20 && summary.MsgsInPerSecond > 20);
        Assert.True(server.HarmonicStreams > 50);
        Assert.Equal(0, server.Invalid);
        Assert.True(lines.Count >= 2, "one progress line per second");

        using var json = JsonDocument.Parse(summary.ToJson());
        foreach (var key in new[] { "clients_connected", "msgs_out_per_s", "msgs_in_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors", "disconnects", "latency_samples", "latency_path" })
            Assert.True(json.RootElement.TryGetProperty(key, out _), key);
        Assert.Contains("heartbeat_ack", summary.ToText());
    }

    [Fact]
    public async Task Nobody_connecting_ends_early_with_connect_failures()
    {
        // A port nothing listens on: every connect fails fast and the run stops without waiting out the duration.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var started = DateTime.UtcNow;
        var summary = await new LoadRunner(new LoadOptions
        {
            Url = new Uri($"ws://127.0.0.1:{port}/api/harmonic-ws"),
            Clients = 5,
            DurationSeconds = 30,
            RampSeconds = 0.2,
        }).RunAsync();
        Assert.Equal(0, summary.ClientsConnected);
        Assert.Equal(5, summary.ConnectFailures);
        Assert.Equal(5, summary.Errors);
        Assert.Null(summary.Latency.P99Ms);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    /// <summary>Throwaway protocol stand-in (test only).</summary>
    private sealed class StandIn : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<int, WebSocket> _sockets = new();
        private readonly ConcurrentDictionary<int, SemaphoreSlim> _locks = new();
        private int _next, _messages;
        public int Port { get; private set; }
        public ConcurrentBag<string> Spaces { get; } = [];
        public int HarmonicStreams;
        public int Invalid;

        private StandIn(WebApplication app) => _app = app;

        public static async Task<StandIn> StartAsync(int closeEvery, int errorEvery)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var s = new StandIn(app);
            app.UseWebSockets();
            app.Map("/api/harmonic-ws", ctx => s.HandleAsync(ctx, closeEvery, errorEvery));
            await app.StartAsync();
            s.Port = new Uri(app.Urls.First()).Port;
            return s;
        }

        private async Task SendAsync(int id, string text)
        {
            if (!_sockets.TryGetValue(id, out var ws) || !_locks.TryGetValue(id, out var gate)) return;
            await gate.WaitAsync();
            try { if (ws.State == WebSocketState.Open) await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, default); }
            catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException) { }
            finally { gate.Release(); }
        }

        private async Task HandleAsync(HttpContext ctx, int closeEvery, int errorEvery)
        {
            if (!ctx.WebSockets.IsWebSocketRequest) { ctx.Response.StatusCode = 400; return; }
            Spaces.Add(ctx.Request.Query["space"].ToString());
            using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
            int id = Interlocked.Increment(ref _next);
            _locks[id] = new SemaphoreSlim(1);
            _sockets[id] = ws;
            await SendAsync(id, "{\"type\":\"connection_established\",\"userId\":\"" + Guid.NewGuid() + "\",\"config\":{\"width\":30,\"height\":30}}");
            var buf = new byte[16384];
            var opened = DateTime.UtcNow;
            try
            {
                while (true)
                {
                    var receive = ws.ReceiveAsync(buf, default);
                    if (id % closeEvery == 0)
                    {
                        // Model the gateway's rate limiter: rate_limited, then close 1008.
                        await Task.WhenAny(receive, Task.Delay(opened.AddSeconds(1) - DateTime.UtcNow > TimeSpan.Zero ? opened.AddSeconds(1) - DateTime.UtcNow : TimeSpan.Zero));
                        if (DateTime.UtcNow - opened >= TimeSpan.FromSeconds(1))
                        {
                            await SendAsync(id, "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"too many\"}");
                            _sockets.TryRemove(id, out _);
                            await ws.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "rate limited", default);
                            return;
                        }
                    }
                    var r = await receive;
                    if (r.MessageType == WebSocketMessageType.Close) break;
                    using var doc = JsonDocument.Parse(buf.AsMemory(0, r.Count));
                    var m = doc.RootElement;
                    string type = m.GetProperty("type").GetString()!;
                    if (Interlocked.Increment(ref _messages) % errorEvery == 0)
                    {
                        await SendAsync(id, "{\"type\":\"error\",\"code\":\"out_of_range\",\"message\":\"x\",\"ref\":\"" + type + "\"}");
                        continue;
                    }
                    switch (type)
                    {
                        case "harmonic_stream":
                            double f = m.GetProperty("frequency").GetDouble(), a = m.GetProperty("amplitude").GetDouble();
                            if (!(f > 0 && f <= 20000 && a >= 0 && a <= 1)) Interlocked.Increment(ref Invalid);
                            Interlocked.Increment(ref HarmonicStreams);
                            break;
                        case "heartbeat":
                            await SendAsync(id, $"{{\"type\":\"heartbeat_ack\",\"timestamp\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"clientTimestamp\":{m.GetProperty("timestamp").GetRawText()}}}");
                            break;
                        case "consciousness_event":
                            string relayed = $"{{\"type\":\"consciousness_event\",\"eventId\":\"{Guid.NewGuid()}\",\"eventType\":{m.GetProperty("eventType").GetRawText()},\"data\":{m.GetProperty("data").GetRawText()},\"timestamp\":1}}";
                            foreach (var other in _sockets.Keys) await SendAsync(other, relayed);
                            await SendAsync(id, $"{{\"type\":\"ack\",\"ackId\":{m.GetProperty("ackId").GetRawText()},\"eventId\":\"e\"}}");
                            break;
                        case "memory_crystallize":
                            await SendAsync(id, $"{{\"type\":\"memory_crystallized\",\"memoryId\":{m.GetProperty("memoryId").GetRawText()},\"version\":1}}");
                            break;
                        default:
                            Interlocked.Increment(ref Invalid);
                            break;
                    }
                }
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException) { }
            finally { _sockets.TryRemove(id, out _); }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

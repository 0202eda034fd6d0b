using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Sessions;
using Resonance.Gateway.Spaces;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>A gateway whose pings are tight enough for a test: a ping every second, 3 s grace, 10 s to answer.</summary>
public sealed class PingingGatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Gateway:KeepAliveInterval"] = "00:00:01",
        ["Resonance:Gateway:PongGrace"] = "00:00:03",
        ["Resonance:Gateway:PongTimeout"] = "00:00:10",
        // Before the idle timeout (30 s) could close the silent raw client first.
        ["Resonance:Gateway:PongTimeoutSpread"] = "00:00:00",
        ["Resonance:Gateway:UnansweredBroadcastEvery"] = "10",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// A client that never reads (so never answers a ping) beside one that reads, as every browser does: the first gets a
/// tenth of the broadcasts and is closed with 4408, the second gets every update and stays.
/// </summary>
public sealed class NonReaderLivenessTests(PingingGatewayFixture fixture) : IClassFixture<PingingGatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task A_client_that_never_reads_is_degraded_then_closed_while_a_reading_client_keeps_every_update()
    {
        const string space = "never-reads";
        var counters = Host.App.Services.GetRequiredService<GatewayCounters>();
        var hubs = Host.App.Services.GetRequiredService<SpaceHubRegistry>();
        long cutBefore = counters.SessionsCutByReason.GetValueOrDefault("pong_timeout");

        await using var reader = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
        var hello = await reader.WaitForTypeAsync("connection_established", TimeSpan.FromSeconds(30));
        var readerId = hello.Json.GetProperty("userId").GetGuid();
        using var raw = await RawUpgrade.OpenAsync(Host.WebSocket, space);

        var hub = await HubWith(hubs, space, 2);
        var readerSession = hub.Sessions.Single(s => s.UserId == readerId);
        var rawSession = hub.Sessions.Single(s => s.UserId != readerId);

        // The raw client never answers its first ping (sent with its greeting): it stays degraded; the reader answered.
        await Eventually.Until(() => Task.FromResult(readerSession.Liveness!.Pongs), n => n >= 1, TimeSpan.FromSeconds(30), "the reader's first pong");
        Assert.True(rawSession.Degraded);
        Assert.False(readerSession.Degraded);
        await Eventually.Until(() => Task.FromResult(counters.UnansweredSessions), n => n == 1, TimeSpan.FromSeconds(30), "the non-reader counted as degraded");
        long rawAt = rawSession.Written, readerAt = readerSession.Written, pongsAt = readerSession.Liveness!.Pongs;

        // While it stays degraded it takes one broadcast in ten; the reader, answering every ping, takes them all.
        await Eventually.Until(() => Task.FromResult(readerSession.Written - readerAt), n => n >= 30, TimeSpan.FromSeconds(60), "30 more messages to the reader");
        long rawDelta = rawSession.Written - rawAt, readerDelta = readerSession.Written - readerAt;
        Assert.True(rawDelta <= readerDelta / 10 + 2, $"the degraded session got {rawDelta} messages while the reader got {readerDelta}");
        Assert.False(readerSession.Degraded);

        // Then it is closed with 4408 and counted; the reader stays.
        await Eventually.Until(() => Task.FromResult(counters.SessionsCutByReason.GetValueOrDefault("pong_timeout")), n => n > cutBefore,
            TimeSpan.FromSeconds(60), "the non-reader cut for its unanswered ping");
        await Eventually.Until(() => Task.FromResult(hub.SessionCount), n => n == 1, TimeSpan.FromSeconds(30), "the non-reader's session gone");
        await Eventually.Until(() => Task.FromResult(counters.UnansweredSessions), n => n == 0, TimeSpan.FromSeconds(30), "no degraded session counted once it is gone");

        // What reached the non-reader, read only now: its greeting, one ping (never a second while the first waits),
        // some updates, and last the close frame with 4408.
        var frames = await raw.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, frames.Count(f => f.Opcode == 0x9));
        Assert.Contains(frames, f => f.Opcode == 0x1 && f.Text.Contains("\"connection_established\""));
        var close = frames[^1];
        Assert.Equal(0x8, close.Opcode);
        Assert.Equal(4408, close.CloseCode);
        Assert.Equal("ping unanswered", close.CloseReason);

        // The reader: still open, answering pings, nothing of its own dropped, and still getting updates in order.
        var updatesBefore = reader.DrainReceived().Count(m => m.Type == "resonance_update");
        await Eventually.Until(() => Task.FromResult(reader.DrainReceived().Count(m => m.Type == "resonance_update")), n => n >= updatesBefore + 5,
            TimeSpan.FromSeconds(60), "more updates to the reader after the non-reader was closed");
        Assert.Equal(WebSocketState.Open, reader.State);
        Assert.False(reader.Closed);
        Assert.True(readerSession.Liveness.Pongs > pongsAt, "the reader answered the pings sent meanwhile");
        Assert.Equal(0, readerSession.Dropped);
        var seqs = reader.Seen.Where(m => m.Type == "resonance_update").Select(m => m.Json.GetProperty("seq").GetInt64()).ToList();
        Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First), "resonance_update seq increases");
        Assert.DoesNotContain(reader.Seen, m => m.Type == "error");
    }

    private static async Task<SpaceHub> HubWith(SpaceHubRegistry hubs, string space, int sessions)
    {
        var hub = await Eventually.Until(() => Task.FromResult(hubs.Active.FirstOrDefault(h => h.Space == space && h.SessionCount == sessions)),
            h => h is not null, TimeSpan.FromSeconds(30), $"{sessions} session(s) in {space}");
        return hub!;
    }

    [Fact]
    public async Task A_client_that_stops_reading_for_a_while_and_answers_late_is_served_in_full_again()
    {
        const string space = "reads-late";
        var hubs = Host.App.Services.GetRequiredService<SpaceHubRegistry>();
        using var raw = await RawUpgrade.OpenAsync(Host.WebSocket, space);
        var hub = await HubWith(hubs, space, 1);
        var session = hub.Sessions.Single();
        // Unproven until it answers its first ping; reading (and answering) makes it a full reader.
        Assert.True(session.Liveness!.Pongs > 0 || session.Degraded);
        await raw.ReadAndAnswerPingsAsync(until: () => session.Liveness.Pongs >= 1 && !session.Degraded, TimeSpan.FromSeconds(30));

        // It stops reading: the next ping (a second after the answer) goes unanswered past the grace.
        await Eventually.Until(() => Task.FromResult(session.Degraded), d => d, TimeSpan.FromSeconds(30), "degraded once it stopped reading");
        long pongs = session.Liveness.Pongs;

        // It reads what waited and answers the ping: no longer degraded, and never closed for it.
        await raw.ReadAndAnswerPingsAsync(until: () => !session.Degraded, TimeSpan.FromSeconds(30));
        Assert.Equal(pongs + 1, session.Liveness.Pongs);
        long at = session.Written;
        await raw.ReadAndAnswerPingsAsync(until: () => session.Liveness.Pongs >= pongs + 3 && session.Written >= at + 20, TimeSpan.FromSeconds(60));
        Assert.False(session.Degraded);
        Assert.Equal(1, hub.SessionCount);
        Assert.DoesNotContain(raw.Received, f => f.Opcode == 0x8);
    }
}

/// <summary>A WebSocket client on a bare TCP connection that reads only when told (a non-reader until then).</summary>
internal sealed class RawUpgrade : IDisposable
{
    public sealed record Frame(int Opcode, byte[] Payload)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
        public int CloseCode => Payload.Length >= 2 ? Payload[0] << 8 | Payload[1] : 0;
        public string CloseReason => Encoding.UTF8.GetString(Payload.AsSpan(Math.Min(2, Payload.Length)));
    }

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];
    public List<Frame> Received { get; } = [];

    private RawUpgrade(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawUpgrade> OpenAsync(Uri ws, string space)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(ws.Host, ws.Port);
        var raw = new RawUpgrade(tcp);
        var request = $"GET {ws.AbsolutePath}?space={space} HTTP/1.1\r\nHost: {ws.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await raw._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        // The response headers, byte by byte, so nothing after them is consumed.
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await raw._stream.ReadAsync(one, timeout.Token) == 0) throw new IOException("closed during the handshake");
            head.Append((char)one[0]);
        }
        Assert.StartsWith("HTTP/1.1 101", head.ToString());
        return raw;
    }

    /// <summary>Reads until the server closes the connection; returns every frame received.</summary>
    public async Task<List<Frame>> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                n = 0;
            }
            if (n == 0) break;
            Take(buffer.AsSpan(0, n), answerPings: false);
        }
        return Received;
    }

    /// <summary>Reads, answering each ping with its pong (as a library does), until <paramref name="until"/> holds.</summary>
    public async Task ReadAndAnswerPingsAsync(Func<bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[64 * 1024];
        while (!until())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached while reading");
            // Read only what is there (a poll, so the condition is looked at again while nothing arrives).
            if (_tcp.Available == 0)
            {
                await Task.Delay(25);
                continue;
            }
            int n = await _stream.ReadAsync(buffer);
            if (n == 0) throw new IOException("the server closed the connection");
            foreach (var ping in Take(buffer.AsSpan(0, n), answerPings: true)) await _stream.WriteAsync(Pong(ping));
        }
    }

    private List<byte[]> Take(ReadOnlySpan<byte> bytes, bool answerPings)
    {
        _pending.AddRange(bytes.ToArray());
        var pings = new List<byte[]>();
        while (_pending.Count >= 2)
        {
            int len7 = _pending[1] & 0x7F, header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
            if (_pending.Count < header) break;
            long length = len7;
            if (len7 == 126) length = _pending[2] << 8 | _pending[3];
            else if (len7 == 127) { length = 0; for (int i = 2; i < 10; i++) length = length << 8 | _pending[i]; }
            if (_pending.Count < header + length) break;
            var frame = new Frame(_pending[0] & 0x0F, _pending.GetRange(header, (int)length).ToArray());
            _pending.RemoveRange(0, header + (int)length);
            Received.Add(frame);
            if (answerPings && frame.Opcode == 0x9) pings.Add(frame.Payload);
        }
        return pings;
    }

    /// <summary>A masked pong echoing <paramref name="payload"/> (RFC 6455 section 5.5.3).</summary>
    private static byte[] Pong(byte[] payload)
    {
        var mask = new byte[] { 0x37, 0xFA, 0x21, 0x3D };
        var frame = new byte[6 + payload.Length];
        frame[0] = 0x8A;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (int i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        return frame;
    }

    public void Dispose() => _tcp.Dispose();
}

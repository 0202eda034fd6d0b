using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Resonance.Hostile;

/// <summary>
/// The hostile and broken clients. Each kind runs a number of slots; a slot connects, misbehaves until the server cuts
/// it off (recording how and when), and starts again until the run ends, so the pressure lasts the whole run.
/// </summary>
public sealed class Attacks(Target target, TimeSpan heartbeatEvery)
{
    public static readonly string[] Kinds =
    [
        "slowloris-dribble", "slowloris-stall", "nonreader-heartbeat", "nonreader-silent",
        "oversize", "huge-length", "fragment-first", "fragment-endless", "flood",
    ];

    private static readonly byte[] Heartbeat = ClientFrame.Text("{\"type\":\"heartbeat\"}");
    private static readonly byte[] SubscribeFrames = ClientFrame.Text("{\"type\":\"subscribe_field\",\"width\":128,\"height\":128,\"rate\":30,\"format\":\"f32\"}");

    /// <summary>Non-readers also ask for 128x128 f32 field frames at 30 Hz (2 MB/s each), so their buffers fill in a second.</summary>
    public bool NonReadersAskForFrames { get; init; }

    /// <summary>Runs <paramref name="slots"/> slots of <paramref name="kind"/> from the given source addresses until <paramref name="until"/>.</summary>
    public Task RunAsync(string kind, int slots, IPAddress[] sources, KindReport report, CancellationToken until, bool reconnect = true, TimeSpan? startSpread = null)
    {
        var spread = startSpread ?? TimeSpan.Zero;
        return Task.WhenAll(Enumerable.Range(0, slots).Select(slot => Task.Run(async () =>
        {
            try
            {
                if (spread > TimeSpan.Zero) await Task.Delay(spread * slot / Math.Max(1, slots), until);
                do
                {
                    var outcome = await OneAsync(kind, sources[slot % sources.Length], report, until);
                    report.Add(outcome);
                    if (outcome.OpenAtEnd) break;
                    // A refused connect is retried after a breath (a flood retries at once).
                    if (kind != "flood") await Task.Delay(200, until);
                } while (reconnect && !until.IsCancellationRequested);
            }
            catch (OperationCanceledException)
            {
            }
        })));
    }

    private async Task<Outcome> OneAsync(string kind, IPAddress source, KindReport report, CancellationToken until)
    {
        report.Attempt();
        var start = Stopwatch.GetTimestamp();
        double Since() => Stopwatch.GetElapsedTime(start).TotalSeconds;
        RawConnection c;
        try
        {
            c = await RawConnection.ConnectAsync(target, source, until);
        }
        catch (SocketException e)
        {
            return new Outcome($"connect {e.SocketErrorCode}", Since());
        }
        catch (OperationCanceledException)
        {
            return new Outcome("open at end", Since(), OpenAtEnd: true);
        }
        report.TcpConnected();
        await using var _ = c;
        try
        {
            switch (kind)
            {
                case "slowloris-dribble":
                case "slowloris-stall":
                    return await SlowHandshakeAsync(c, dribble: kind == "slowloris-dribble", until, Since);
            }
            var (status, rest) = await c.UpgradeAsync(until);
            if (status != 101) return new Outcome(status == 0 ? "fin before upgrade" : $"http {status}", Since());
            report.WasUpgraded();
            start = Stopwatch.GetTimestamp(); // from here on: how long the misbehaviour lasted
            return kind switch
            {
                "nonreader-heartbeat" => await NonReaderAsync(c, heartbeat: true, until, Since),
                "nonreader-silent" or "flood" => await NonReaderAsync(c, heartbeat: false, until, Since),
                "oversize" => await WithReaderAsync(c, rest, until, Since, ct => OversizeAsync(c, ct)),
                "huge-length" => await WithReaderAsync(c, rest, until, Since, ct => HugeLengthAsync(c, ct)),
                "fragment-first" => await WithReaderAsync(c, rest, until, Since, ct => FirstFragmentAsync(c, ct)),
                "fragment-endless" => await WithReaderAsync(c, rest, until, Since, ct => EndlessFragmentsAsync(c, ct)),
                _ => throw new ArgumentException($"unknown kind {kind}"),
            };
        }
        catch (OperationCanceledException)
        {
            return new Outcome("open at end", Since(), OpenAtEnd: true);
        }
        catch (SocketException e)
        {
            return new Outcome(e.SocketErrorCode switch
            {
                SocketError.ConnectionReset => "reset",
                // A send after the server closed (EPIPE): it was cut off with a FIN while this side was still sending.
                SocketError.Shutdown => "fin (seen on send)",
                var other => $"socket {other}",
            }, Since());
        }
    }

    /// <summary>The upgrade request byte by byte (one a second), or its first half and then nothing.</summary>
    private static async Task<Outcome> SlowHandshakeAsync(RawConnection c, bool dribble, CancellationToken until, Func<double> since)
    {
        var request = RawConnection.UpgradeRequest(c.Target);
        var response = c.ReadResponseAsync(until);
        if (dribble)
        {
            for (int i = 0; i < request.Length && !response.IsCompleted; i++)
            {
                await c.SendAsync(request[i..(i + 1)], until);
                await Task.WhenAny(response, Task.Delay(1000, until));
            }
        }
        else await c.SendAsync(request[..(request.Length / 2)], until);
        var (status, _) = await response;
        return new Outcome(status switch { 0 => "fin", 101 => "upgraded (handshake finished)", _ => $"http {status}" }, since());
    }

    /// <summary>Never reads after the upgrade; with <paramref name="heartbeat"/> it keeps sending heartbeats so it is never idle.</summary>
    private async Task<Outcome> NonReaderAsync(RawConnection c, bool heartbeat, CancellationToken until, Func<double> since)
    {
        var nextBeat = Stopwatch.GetTimestamp();
        if (NonReadersAskForFrames) await c.SendAsync(SubscribeFrames, until);
        while (true)
        {
            int state = c.TcpState();
            if (state != RawConnection.Established) return new Outcome(RawConnection.DescribeState(state), since());
            if (heartbeat && Stopwatch.GetTimestamp() >= nextBeat)
            {
                await c.SendAsync(Heartbeat, until);
                nextBeat = Stopwatch.GetTimestamp() + (long)(heartbeatEvery.TotalSeconds * Stopwatch.Frequency);
            }
            await Task.Delay(1000, until);
        }
    }

    /// <summary>Misbehaves while reading what the server sends; the outcome is how the server ended the session.</summary>
    private static async Task<Outcome> WithReaderAsync(RawConnection c, byte[] rest, CancellationToken until, Func<double> since, Func<CancellationToken, Task> behave)
    {
        var reader = new ServerFrameReader(c.Socket, rest);
        var reading = reader.RunAsync(until);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(until);
        var behaving = behave(stop.Token);
        string end;
        try
        {
            end = await reading;
        }
        catch (OperationCanceledException)
        {
            return new Outcome("open at end", since(), OpenAtEnd: true);
        }
        double after = since();
        long endedAt = Stopwatch.GetTimestamp();
        stop.Cancel();
        try
        {
            await behaving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        string errors = reader.ErrorCodes.Count == 0 ? "" : " after error " + string.Join(",", reader.ErrorCodes.Distinct());
        if (reader.CloseCode is not { } code) return new Outcome($"{end}{errors}", after);
        // Cut off when the close frame came (the connection itself ends when the server stops waiting for the answer).
        double closedAfter = after - Stopwatch.GetElapsedTime(reader.CloseTimestamp, endedAt).TotalSeconds;
        return new Outcome($"close {code}{errors}, then {end}", closedAfter);
    }

    private static readonly Lazy<byte[]> BigPayload = new(() =>
    {
        // 10 MB of JSON-ish text, masked once (the mask key is fixed, so any prefix is a correctly masked payload).
        var p = new byte[10 * 1024 * 1024];
        p.AsSpan().Fill((byte)'a');
        ClientFrame.Mask(p);
        return p;
    });

    /// <summary>Text messages of 1–10 MB, one after another.</summary>
    private static async Task OversizeAsync(RawConnection c, CancellationToken ct)
    {
        var random = new Random();
        while (!ct.IsCancellationRequested)
        {
            int size = random.Next(1, 11) * 1024 * 1024;
            await c.SendAsync(ClientFrame.Header(ClientFrame.OpText, fin: true, (ulong)size), ct);
            for (int offset = 0; offset < size; offset += 64 * 1024)
                await c.Socket.SendAsync(BigPayload.Value.AsMemory(offset, Math.Min(64 * 1024, size - offset)), SocketFlags.None, ct);
        }
    }

    /// <summary>A frame header announcing 2^62 bytes, 4 KB of them, then nothing.</summary>
    private static async Task HugeLengthAsync(RawConnection c, CancellationToken ct)
    {
        await c.SendAsync(ClientFrame.Header(ClientFrame.OpText, fin: true, 1UL << 62), ct);
        await c.Socket.SendAsync(BigPayload.Value.AsMemory(0, 4096), SocketFlags.None, ct);
    }

    /// <summary>The first fragment of a text message (FIN clear), and never the rest.</summary>
    private static Task FirstFragmentAsync(RawConnection c, CancellationToken ct) =>
        c.SendAsync(ClientFrame.Text("{\"type\":\"heartbeat\",", fin: false), ct);

    /// <summary>A first fragment, then a small continuation frame (FIN clear) every half second, forever.</summary>
    private static async Task EndlessFragmentsAsync(RawConnection c, CancellationToken ct)
    {
        await c.SendAsync(ClientFrame.Text("{\"type\":\"heartbeat\",\"pad\":\"", fin: false), ct);
        var more = ClientFrame.Frame(ClientFrame.OpContinuation, fin: false, "xxxxxxxx"u8);
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(500, ct);
            await c.SendAsync(more, ct);
        }
    }
}

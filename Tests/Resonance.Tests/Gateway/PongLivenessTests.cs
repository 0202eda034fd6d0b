using System.Net.WebSockets;
using System.Text;
using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

/// <summary>The pure liveness logic and the frame scanner that feeds it (no server).</summary>
public sealed class PongLivenessTests
{
    private const long Interval = 10_000, Grace = 2_000, Timeout = 15_000;

    [Fact]
    public void A_new_session_is_degraded_until_its_first_pong()
    {
        var l = new PongLiveness(nowMs: 0);
        Assert.True(l.Degraded);
        Assert.True(l.TryStartPing(0, Interval, 9, out _));
        Assert.Equal(LivenessState.Live, l.Evaluate(1, Grace, Timeout));
        Assert.True(l.Degraded);
        Assert.True(l.Pong(3, 9, 8));
        Assert.False(l.Degraded);
    }

    [Fact]
    public void An_unanswered_ping_degrades_past_the_grace_and_condemns_past_the_timeout()
    {
        var l = new PongLiveness(nowMs: 0);
        Assert.True(l.TryStartPing(0, Interval, 41, out _));
        Assert.True(l.Pong(1, 41, 8));
        Assert.False(l.TryStartPing(1 + Interval - 1, Interval, 42, out _)); // not due yet
        Assert.True(l.TryStartPing(1_000 + Interval, Interval, 42, out long payload));
        const long sent = 1_000 + Interval;
        Assert.Equal(42, payload);
        Assert.False(l.TryStartPing(sent + Interval, Interval, 43, out _)); // one outstanding at a time
        Assert.Equal(LivenessState.Live, l.Evaluate(sent + Grace - 1, Grace, Timeout));
        Assert.False(l.Degraded);
        Assert.Equal(LivenessState.Unanswered, l.Evaluate(sent + Grace, Grace, Timeout));
        Assert.True(l.Degraded);
        Assert.Equal(LivenessState.Unanswered, l.Evaluate(sent + Timeout - 1, Grace, Timeout));
        Assert.Equal(LivenessState.Unresponsive, l.Evaluate(sent + Timeout, Grace, Timeout));
    }

    [Fact]
    public void Only_a_pong_with_the_pings_own_payload_answers_it()
    {
        const long t = 1_000;
        var l = new PongLiveness(t);
        Assert.True(l.TryStartPing(t, Interval, 0x0102030405060708, out _));
        Assert.Equal(LivenessState.Unanswered, l.Evaluate(t + Grace, Grace, Timeout));
        Assert.False(l.Pong(t + Grace + 1, 0x0102030405060709, 8));   // another payload (an unsolicited pong)
        Assert.False(l.Pong(t + Grace + 1, 0x0102030405060708, 9));   // same first bytes, longer
        Assert.False(l.Pong(t + Grace + 1, 0, 0));                    // empty
        Assert.True(l.Degraded);
        Assert.True(l.Outstanding);

        const long answered = t + Grace + 5;
        Assert.True(l.Pong(answered, 0x0102030405060708, 8));
        Assert.False(l.Degraded);
        Assert.False(l.Outstanding);
        Assert.Equal(1, l.Pongs);
        Assert.False(l.Pong(answered + 1, 0x0102030405060708, 8));   // a repeat answers nothing
        Assert.Equal(LivenessState.Live, l.Evaluate(answered + Timeout * 3, Grace, Timeout));

        // The next ping is due an interval after the answer, not after the ping.
        Assert.False(l.TryStartPing(answered + Interval - 1, Interval, 7, out _));
        Assert.True(l.TryStartPing(answered + Interval, Interval, 7, out _));
        Assert.Equal(LivenessState.Live, l.Evaluate(answered + Interval + Grace - 1, Grace, Timeout));
    }

    [Fact]
    public void A_pong_after_the_grace_lifts_the_degradation_at_once_and_the_session_is_live_again()
    {
        var l = new PongLiveness(1_000);
        Assert.True(l.TryStartPing(1_000, Interval, 5, out _));
        Assert.Equal(LivenessState.Unanswered, l.Evaluate(1_000 + Timeout - 1, Grace, Timeout));
        Assert.True(l.Pong(1_000 + Timeout - 1, 5, 8));
        Assert.False(l.Degraded);
        Assert.Equal(LivenessState.Live, l.Evaluate(1_000 + Timeout + 1, Grace, Timeout));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(4096)]
    public async Task The_scanner_finds_exactly_the_pongs_a_real_client_sends_whatever_the_read_sizes(int chunk)
    {
        // A real .NET client-side WebSocket writes masked text frames (short, 16-bit and 64-bit lengths, one message in
        // fragments) and answers a server ping with its pong; the scanner sees that byte stream in reads of any size.
        const long payload = 0x1122334455667788;
        var ping = new byte[10];
        ping[0] = 0x89;
        ping[1] = 8;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(ping.AsSpan(2), payload);
        var wire = new DuplexStream(ping);
        using (var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }))
        {
            await client.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"heartbeat\"}"), WebSocketMessageType.Text, true, CancellationToken.None);
            await client.SendAsync(new byte[300], WebSocketMessageType.Text, true, CancellationToken.None);
            await client.SendAsync(new byte[70_000], WebSocketMessageType.Binary, false, CancellationToken.None);
            await client.SendAsync(new byte[10], WebSocketMessageType.Binary, true, CancellationToken.None);
            // Receiving reads the ping and answers it; then the input ends.
            await Assert.ThrowsAnyAsync<Exception>(async () => await client.ReceiveAsync(new byte[64], CancellationToken.None));
        }
        var bytes = wire.Written.ToArray();
        Assert.True(bytes.Length > 70_000);

        var pongs = new List<(long Payload, int Length)>();
        var scanner = new ClientFrameScanner((p, n) => pongs.Add((p, n)));
        for (int at = 0; at < bytes.Length; at += chunk) scanner.Scan(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
        Assert.Equal([(payload, 8)], pongs);
    }

    [Fact]
    public void The_scanner_reports_pongs_of_other_lengths_as_such_and_survives_a_huge_length()
    {
        var pongs = new List<(long Payload, int Length)>();
        var scanner = new ClientFrameScanner((p, n) => pongs.Add((p, n)));
        // An empty masked pong, then a 3-byte one (mask 0xA1B2C3D4 over 0x01 0x02 0x03).
        scanner.Scan([0x8A, 0x80, 1, 2, 3, 4]);
        scanner.Scan([0x8A, 0x83, 0xA1, 0xB2, 0xC3, 0xD4, 0x01 ^ 0xA1, 0x02 ^ 0xB2, 0x03 ^ 0xC3]);
        Assert.Equal([(0L, 0), (0x010203L, 3)], pongs);
        // A frame announcing 2^63 + 1 bytes (invalid) is skipped for as long as it lasts; nothing is reported.
        scanner.Scan([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
        scanner.Scan(new byte[100_000]);
        Assert.Equal(2, pongs.Count);
    }

    /// <summary>Reads from a fixed input, records what is written.</summary>
    private sealed class DuplexStream(byte[] input) : Stream
    {
        private readonly MemoryStream _in = new(input);
        public MemoryStream Written { get; } = new();
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

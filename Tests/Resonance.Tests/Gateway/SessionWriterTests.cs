using System.Text;
using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

public sealed class SessionWriterTests
{
    /// <summary>Records frames; while <see cref="Hold"/> is set, each write waits until released (a client not reading).</summary>
    private sealed class RecordingSink : IFrameSink
    {
        public readonly List<byte[]> Frames = [];
        public TaskCompletionSource? Hold;
        public Exception? FailWith;

        public ValueTask WriteAsync(byte[] frame)
        {
            if (FailWith is { } e) return ValueTask.FromException(e);
            lock (Frames) Frames.Add(frame);
            return Hold is { } h ? new ValueTask(h.Task) : ValueTask.CompletedTask;
        }

        public string[] Texts()
        {
            lock (Frames) return [.. Frames.Select(f => Encoding.UTF8.GetString(f, WebSocketFrame.HeaderLengthOf(f), f.Length - WebSocketFrame.HeaderLengthOf(f)))];
        }
    }

    private static OutboundMessage Text(string s, string type = "t") => OutboundMessage.Text(Encoding.UTF8.GetBytes(s), type);

    /// <summary>A space's update holder with <paramref name="s"/> as its newest message.</summary>
    private static LatestMessage Update(string s, LatestMessage? holder = null)
    {
        holder ??= new LatestMessage();
        holder.Publish(Text(s, "resonance_update"));
        return holder;
    }

    [Fact]
    public void Messages_are_written_inline_when_the_connection_takes_them()
    {
        var sink = new RecordingSink();
        var writer = new SessionWriter(sink, relayCapacity: 8, reliableCapacity: 16);
        writer.EnqueueReliable(Text("a"));
        writer.OfferUpdate(Update("u1"));
        writer.EnqueueRelayed(Text("e1"));
        writer.OfferFrame(Text("f1"));
        Assert.Equal(["a", "u1", "e1", "f1"], sink.Texts());
        Assert.Equal(0, writer.Pending);
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public async Task Behind_a_slow_connection_the_latest_update_wins_and_replies_keep_their_order()
    {
        var sink = new RecordingSink { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = new SessionWriter(sink, relayCapacity: 2, reliableCapacity: 16);
        var updates = Update("u1");
        writer.OfferUpdate(updates); // taken at once; its write waits
        for (int k = 2; k <= 5; k++) Assert.Equal(k == 2, writer.OfferUpdate(Update($"u{k}", updates)));
        writer.EnqueueReliable(Text("r1"));
        writer.EnqueueReliable(Text("r2"));
        for (int k = 1; k <= 4; k++) writer.EnqueueRelayed(Text($"e{k}"));
        Assert.Equal(["u1"], sink.Texts());

        var release = sink.Hold;
        sink.Hold = null;
        release.SetResult();
        await Cluster.Eventually.Until(() => Task.FromResult(writer.Pending), p => p == 0, what: "the writer drained");
        // Replies first and in order, then only the newest update and the newest two events.
        Assert.Equal(["u1", "r1", "r2", "u5", "e3", "e4"], sink.Texts());
        Assert.Equal(3 + 2, writer.Dropped);
    }

    [Fact]
    public void A_client_too_far_behind_for_its_replies_is_reported()
    {
        var sink = new RecordingSink { Hold = new TaskCompletionSource() };
        var writer = new SessionWriter(sink, relayCapacity: 2, reliableCapacity: 3);
        Assert.True(writer.EnqueueReliable(Text("in flight")));
        for (int k = 0; k < 3; k++) Assert.True(writer.EnqueueReliable(Text($"r{k}")));
        Assert.False(writer.EnqueueReliable(Text("one too many")));
    }

    [Fact]
    public void Nothing_is_written_after_a_close_frame()
    {
        var sink = new RecordingSink();
        var writer = new SessionWriter(sink, relayCapacity: 2, reliableCapacity: 8);
        writer.EnqueueReliable(new OutboundMessage([0x88, 0x00], "control", 0));
        writer.OfferUpdate(Update("late"));
        writer.EnqueueReliable(Text("later"));
        Assert.Single(sink.Frames);
        Assert.True(writer.IsClosed);
    }

    [Fact]
    public void A_failed_write_is_reported_once_and_ends_the_writer()
    {
        var sink = new RecordingSink { FailWith = new IOException("reset") };
        var writer = new SessionWriter(sink, relayCapacity: 2, reliableCapacity: 8);
        int failures = 0;
        writer.Failed = _ => failures++;
        writer.OfferUpdate(Update("u"));
        writer.EnqueueReliable(Text("r"));
        Assert.Equal(1, failures);
        Assert.True(writer.IsClosed);
    }

    [Fact]
    public async Task Many_producers_at_once_lose_no_reliable_message_and_write_one_at_a_time()
    {
        var sink = new ConcurrencyCheckingSink();
        var writer = new SessionWriter(sink, relayCapacity: 8, reliableCapacity: 100_000);
        var updates = Update("u");
        const int producers = 4, each = 5_000;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (int k = 0; k < each; k++)
            {
                Assert.True(writer.EnqueueReliable(Text($"{p}:{k}")));
                writer.OfferUpdate(updates);
            }
        })));
        await Cluster.Eventually.Until(() => Task.FromResult(writer.Pending), p => p == 0, what: "the writer drained");
        Assert.False(sink.Overlapped);
        var reliable = sink.Texts().Where(t => t != "u").ToArray();
        Assert.Equal(producers * each, reliable.Length);
        // Each producer's replies arrive in the order it sent them.
        for (int p = 0; p < producers; p++)
        {
            var mine = reliable.Where(t => t.StartsWith($"{p}:", StringComparison.Ordinal)).Select(t => int.Parse(t[(t.IndexOf(':') + 1)..])).ToArray();
            Assert.Equal(Enumerable.Range(0, each), mine);
        }
    }

    /// <summary>Fails the test if two writes ever overlap; every third write completes asynchronously.</summary>
    private sealed class ConcurrencyCheckingSink : IFrameSink
    {
        private readonly List<byte[]> _frames = [];
        private int _active, _count;
        public bool Overlapped;

        public ValueTask WriteAsync(byte[] frame)
        {
            if (Interlocked.Increment(ref _active) != 1) Overlapped = true;
            lock (_frames) _frames.Add(frame);
            if (Interlocked.Increment(ref _count) % 3 == 0) return new ValueTask(Later());
            Interlocked.Decrement(ref _active);
            return ValueTask.CompletedTask;
        }

        private async Task Later()
        {
            await Task.Yield();
            Interlocked.Decrement(ref _active);
        }

        public string[] Texts()
        {
            lock (_frames) return [.. _frames.Select(f => Encoding.UTF8.GetString(f, WebSocketFrame.HeaderLengthOf(f), f.Length - WebSocketFrame.HeaderLengthOf(f)))];
        }
    }
}

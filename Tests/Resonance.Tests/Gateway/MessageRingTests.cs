using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

public sealed class MessageRingTests
{
    private static OutboundMessage Message(int n) => OutboundMessage.Text("{}"u8, $"m{n}");

    [Fact]
    public void Messages_leave_in_order_across_wraps_and_growth()
    {
        var ring = new MessageRing();
        int next = 0, expected = 0;
        // Interleaved so the head wraps before the ring grows and again after.
        foreach (var (ins, outs) in new[] { (3, 2), (3, 2), (10, 5), (20, 27) })
        {
            for (int k = 0; k < ins; k++) ring.Enqueue(Message(next++));
            for (int k = 0; k < outs; k++)
            {
                Assert.True(ring.TryDequeue(out var m));
                Assert.Equal($"m{expected++}", m.Type);
            }
        }
        Assert.Equal(0, ring.Count);
        Assert.False(ring.TryDequeue(out _));
    }

    [Fact]
    public void A_drained_burst_lets_its_grown_array_go()
    {
        var ring = new MessageRing();
        Assert.Equal(0, ring.Capacity);
        for (int k = 0; k < 100; k++) ring.Enqueue(Message(k));
        Assert.True(ring.Capacity >= 100);
        for (int k = 0; k < 99; k++) Assert.True(ring.TryDequeue(out _));
        Assert.True(ring.Capacity >= 100);
        Assert.True(ring.TryDequeue(out var last));
        Assert.Equal("m99", last.Type);
        Assert.Equal(0, ring.Capacity);

        // A ring that never grew keeps its few slots between messages.
        ring.Enqueue(Message(0));
        Assert.True(ring.TryDequeue(out _));
        Assert.Equal(4, ring.Capacity);
    }
}

using Microsoft.Extensions.Time.Testing;
using Resonance.Gateway.Hosting;

namespace Resonance.Tests.Gateway;

/// <summary>When an idle gateway compacts its heap: at once on going idle, then with doubling delays while rounds still free memory.</summary>
public sealed class IdleMemoryReturnTests
{
    /// <summary>Counts rounds; round k frees freed[k] bytes (the last value repeats).</summary>
    private sealed class Collector(params long[] freed)
    {
        public int Calls;

        public long Collect()
        {
            long bytes = freed[Math.Min(Calls, freed.Length - 1)];
            Calls++;
            return bytes;
        }
    }

    [Fact]
    public void Going_idle_compacts_at_once_then_after_doubling_delays_until_a_round_frees_little()
    {
        var time = new FakeTimeProvider();
        var collector = new Collector(0, 40 << 20, 10 << 20, 1 << 20, 50 << 20);
        using var idle = new IdleMemoryReturn(collector.Collect, time);

        idle.WentIdle();
        time.Advance(TimeSpan.Zero);
        Assert.Equal(1, collector.Calls); // the first round runs at once, and freeing nothing does not end the series
        Assert.True(idle.Scheduled);

        time.Advance(IdleMemoryReturn.FirstDelay - TimeSpan.FromSeconds(1));
        Assert.Equal(1, collector.Calls);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, collector.Calls); // 30 s: freed 40 MiB, so another round follows

        time.Advance(IdleMemoryReturn.FirstDelay * 2);
        Assert.Equal(3, collector.Calls); // 60 s later: freed 10 MiB
        time.Advance(IdleMemoryReturn.FirstDelay * 4);
        Assert.Equal(4, collector.Calls); // 120 s later: freed 1 MiB, under the threshold: the series ends

        Assert.False(idle.Scheduled);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(4, collector.Calls);
    }

    [Fact]
    public void A_busy_gateway_never_compacts_and_going_idle_again_starts_a_new_series()
    {
        var time = new FakeTimeProvider();
        var collector = new Collector(40 << 20);
        using var idle = new IdleMemoryReturn(collector.Collect, time);

        idle.WentIdle();
        time.Advance(TimeSpan.Zero);
        Assert.Equal(1, collector.Calls);
        idle.Busy();
        Assert.False(idle.Scheduled);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, collector.Calls);

        idle.WentIdle();
        time.Advance(TimeSpan.Zero);
        Assert.Equal(2, collector.Calls);
        Assert.Equal(1, idle.Rounds);
    }

    [Fact]
    public void Rounds_stop_after_the_maximum_even_while_each_frees_much()
    {
        var time = new FakeTimeProvider();
        var collector = new Collector(40 << 20);
        using var idle = new IdleMemoryReturn(collector.Collect, time);

        idle.WentIdle();
        time.Advance(TimeSpan.Zero);
        for (int k = 0; k < 10; k++) time.Advance(IdleMemoryReturn.FirstDelay * (1 << k));
        Assert.Equal(IdleMemoryReturn.MaxRounds, collector.Calls);
        Assert.False(idle.Scheduled);
    }
}

using Resonance.LoadTest;

namespace Resonance.Tests.LoadTest;

public class LatencyHistogramTests
{
    [Fact]
    public void Buckets_tile_the_range_and_stay_within_3_percent()
    {
        // Every value maps to a bucket whose bounds contain it, and bucket upper bounds only grow.
        long prevUpper = -1;
        for (int i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            long upper = LatencyHistogram.UpperBound(i);
            Assert.True(upper > prevUpper);
            Assert.Equal(i, LatencyHistogram.IndexOf(upper));
            Assert.Equal(i, LatencyHistogram.IndexOf(prevUpper + 1));
            prevUpper = upper;
        }
        var rng = new Random(3);
        for (int k = 0; k < 100_000; k++)
        {
            long v = (long)Math.Exp(rng.NextDouble() * 25);
            long up = LatencyHistogram.UpperBound(LatencyHistogram.IndexOf(v));
            Assert.True(up >= v && up - v <= v / 32.0 + 1, $"{v} -> {up}");
        }
    }

    [Fact]
    public void Percentiles_match_a_known_distribution()
    {
        var h = new LatencyHistogram();
        for (int v = 1; v <= 10_000; v++) h.RecordMicros(v);   // uniform 1..10000 us
        Assert.Equal(10_000, h.Count);
        Assert.Equal(10_000, h.MaxMicros);
        Assert.InRange(h.PercentileMicros(50), 5000, 5000 * 1.032);
        Assert.InRange(h.PercentileMicros(99), 9900, 9900 * 1.032);
        Assert.Equal(10_000, h.PercentileMicros(100));
        Assert.Equal(5000.5, h.MeanMicros, 6);
        Assert.Equal(0, new LatencyHistogram().PercentileMicros(99));
    }

    [Fact]
    public void Concurrent_recording_loses_nothing()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 8, _ => { for (int i = 0; i < 50_000; i++) h.RecordMicros(i % 1000); });
        Assert.Equal(400_000, h.Count);
        var sum = new LatencyHistogram();
        sum.Add(h);
        sum.Add(h);
        Assert.Equal(800_000, sum.Count);
        Assert.Equal(999, sum.MaxMicros);
    }
}

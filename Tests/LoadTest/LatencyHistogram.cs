namespace Resonance.LoadTest;

/// <summary>
/// Lock-free latency histogram in microseconds with log-linear buckets (HdrHistogram-style):
/// values below 64 us are exact, above that every power-of-two range is split into 32 buckets,
/// so any reported percentile is within ~3% of the true value. Fixed memory (a few KiB) whatever
/// the sample count, which is what lets 10,000 clients record every round trip.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int SubCount = 1 << SubBits;       // 32 buckets per power of two
    private const int MaxMsb = 40;                    // 2^41 us (~25 days) is the clamp
    internal const int BucketCount = SubCount * (MaxMsb - SubBits) + 2 * SubCount;
    private const long MaxValue = (1L << (MaxMsb + 1)) - 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Volatile.Read(ref _count);
    public long MaxMicros => Volatile.Read(ref _max);
    public double MeanMicros => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void RecordMicros(long micros)
    {
        if (micros < 0) micros = 0;
        if (micros > MaxValue) micros = MaxValue;
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long seen = Volatile.Read(ref _max);
        while (micros > seen)
        {
            long prior = Interlocked.CompareExchange(ref _max, micros, seen);
            if (prior == seen) break;
            seen = prior;
        }
    }

    internal static int IndexOf(long v)
    {
        if (v < SubCount) return (int)v;
        int msb = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v);
        int shift = msb - SubBits;
        // mantissa = the top SubBits+1 bits, in [32, 64); consecutive ranges tile the index space.
        return (shift << SubBits) + (int)(v >> shift);
    }

    /// <summary>The largest value that lands in bucket <paramref name="index"/>.</summary>
    internal static long UpperBound(int index)
    {
        if (index < 2 * SubCount) return index;
        int shift = (index >> SubBits) - 1;
        long mantissa = index - ((long)shift << SubBits);
        return ((mantissa + 1) << shift) - 1;
    }

    /// <summary>Adds another histogram's counts into this one (used to combine latency paths).</summary>
    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            long c = Volatile.Read(ref other._counts[i]);
            if (c != 0) Interlocked.Add(ref _counts[i], c);
        }
        Interlocked.Add(ref _count, other.Count);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        long m = other.MaxMicros;
        if (m > _max) _max = m;
    }

    /// <summary>
    /// Value at percentile <paramref name="p"/> (0..100) in microseconds: the upper edge of the bucket
    /// holding that rank (conservative), never above the exact maximum. 0 when empty.
    /// </summary>
    public long PercentileMicros(double p)
    {
        long total = 0;
        for (int i = 0; i < BucketCount; i++) total += Volatile.Read(ref _counts[i]);
        if (total == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(UpperBound(i), Math.Max(MaxMicros, 0));
        }
        return MaxMicros;
    }
}

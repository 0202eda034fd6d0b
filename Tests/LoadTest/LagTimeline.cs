namespace Resonance.LoadTest;

/// <summary>
/// The worst resonance_update lag in each second of the measured window (by receive time), so a tail can be told apart
/// as steady or as bursts (a stall, a reconnect wave) at particular moments. Lock-free and allocation-free per sample.
/// </summary>
public sealed class LagTimeline
{
    private const int MaxSeconds = 3600;
    private readonly long[] _worstMicros = new long[MaxSeconds];
    private long _startUnixMicros;
    private long _last = -1;

    /// <summary>The window begins now (receive times before it are ignored).</summary>
    public void Start(long nowUnixMicros) => Volatile.Write(ref _startUnixMicros, nowUnixMicros);

    public void Record(long receiveUnixMicros, long lagMicros)
    {
        long start = Volatile.Read(ref _startUnixMicros);
        if (start == 0 || receiveUnixMicros < start) return;
        long second = (receiveUnixMicros - start) / 1_000_000;
        if (second >= MaxSeconds) return;
        RaiseTo(ref _worstMicros[second], lagMicros);
        RaiseTo(ref _last, second);
    }

    /// <summary>Sets <paramref name="slot"/> to <paramref name="value"/> if that is larger, against concurrent writers.</summary>
    private static void RaiseTo(ref long slot, long value)
    {
        long seen = Volatile.Read(ref slot);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref slot, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>The worst lag of each second so far, in ms (0 for a second without updates).</summary>
    public double[] WorstMsPerSecond()
    {
        int n = (int)Volatile.Read(ref _last) + 1;
        var worst = new double[n];
        for (int i = 0; i < n; i++) worst[i] = Math.Round(Volatile.Read(ref _worstMicros[i]) / 1000.0, 1);
        return worst;
    }
}

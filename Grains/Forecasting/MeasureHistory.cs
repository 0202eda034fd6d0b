namespace Resonance.Grains.Forecasting;

/// <summary>
/// A space's measures downsampled to one sample per second (the mean of that second's ticks), in a ring buffer of
/// bounded capacity: 10 Hz ticks forever would be too much, an hour of seconds is 3,600 small records. Only seconds in
/// which the space ticked are kept, so an idle stretch is simply absent. Pure logic: the space grain feeds it every tick.
/// </summary>
public sealed class MeasureHistory(int capacity)
{
    private readonly MeasureSample[] _ring = new MeasureSample[Math.Max(1, capacity)];
    private int _start, _count;

    // The second being accumulated (flushed into the ring once a tick of a later second arrives).
    private long _second = long.MinValue;
    private double _sumG, _sumR, _sumN;
    private int _ticks;

    public int Count => _count;

    public int Capacity => _ring.Length;

    /// <summary>The last complete second, or null.</summary>
    public long? LastSecond => _count == 0 ? null : _ring[(_start + _count - 1) % _ring.Length].UnixSecond;

    /// <summary>Adds one tick's measures.</summary>
    public void AddTick(DateTime utc, double globalResonance, double coherence, int activeNodes)
    {
        long second = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();
        if (second != _second)
        {
            Flush();
            _second = second;
        }
        _sumG += globalResonance;
        _sumR += coherence;
        _sumN += activeNodes;
        _ticks++;
    }

    /// <summary>Appends whole seconds (synthetic history for tests); seconds not after the last one are ignored.</summary>
    public void Append(ReadOnlySpan<MeasureSample> samples)
    {
        Flush();
        foreach (var s in samples)
        {
            if (LastSecond is { } last && s.UnixSecond <= last) continue;
            Push(s);
        }
        _second = LastSecond ?? long.MinValue;
    }

    /// <summary>The last <paramref name="max"/> complete seconds, oldest first.</summary>
    public MeasureSample[] Snapshot(int max)
    {
        int n = Math.Clamp(max, 0, _count);
        var result = new MeasureSample[n];
        for (int k = 0; k < n; k++) result[k] = _ring[(_start + _count - n + k) % _ring.Length];
        return result;
    }

    private void Flush()
    {
        if (_ticks == 0) return;
        if (LastSecond is not { } last || _second > last)
            Push(new MeasureSample(_second, _sumG / _ticks, _sumR / _ticks, _sumN / _ticks));
        _sumG = _sumR = _sumN = 0;
        _ticks = 0;
    }

    private void Push(MeasureSample sample)
    {
        if (_count < _ring.Length)
        {
            _ring[(_start + _count) % _ring.Length] = sample;
            _count++;
        }
        else
        {
            _ring[_start] = sample;
            _start = (_start + 1) % _ring.Length;
        }
    }
}

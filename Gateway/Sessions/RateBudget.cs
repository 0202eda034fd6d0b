namespace Resonance.Gateway.Sessions;

/// <summary>A token bucket: <c>capacity</c> tokens, refilled at <c>perSecond</c>.</summary>
public sealed class RateBudget(double perSecond, double capacity)
{
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private long _last = Environment.TickCount64;

    private readonly Lock _lock = new();

    public bool TryTake()
    {
        lock (_lock) return TryTakeLocked();
    }

    private bool TryTakeLocked()
    {
        long now = Environment.TickCount64;
        _tokens = Math.Min(_capacity, _tokens + (now - _last) / 1000.0 * perSecond);
        _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}

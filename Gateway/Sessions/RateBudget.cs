namespace Resonance.Gateway.Sessions;

/// <summary>
/// A token bucket: <c>capacity</c> tokens, refilled at <c>perSecond</c>. With a <see cref="ServerStall"/>, the time this
/// process was stalled is credited on top (the bucket may then exceed its capacity), since what a client sent meanwhile
/// arrives at once when the server catches up.
/// </summary>
public sealed class RateBudget(double perSecond, double capacity, ServerStall? stall = null, Func<long>? clockMs = null)
{
    private static readonly Func<long> SystemClock = () => Environment.TickCount64;
    private readonly Func<long> _clock = clockMs ?? SystemClock;
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private long _last = (clockMs ?? SystemClock)();
    private long _stallSeen = stall?.StalledMs ?? 0;

    private readonly Lock _lock = new();

    public bool TryTake()
    {
        lock (_lock) return TryTakeLocked();
    }

    /// <summary>
    /// Credits time the server spent on this client's message before reading the next one (a grain call during a silo
    /// failover, a commit during an outage): what the client sent meanwhile waits in the socket and arrives at once, and
    /// that burst is the server's doing. Bounded like a stall credit.
    /// </summary>
    public void CreditServerTime(long milliseconds)
    {
        if (milliseconds <= 0) return;
        lock (_lock) _tokens = Math.Min(_tokens + milliseconds / 1000.0 * perSecond, _capacity + 30 * perSecond);
    }

    private bool TryTakeLocked()
    {
        long now = _clock();
        double refill = (now - _last) / 1000.0 * perSecond;
        // Refill up to the capacity, never cutting a stall credit back.
        _tokens = Math.Max(_tokens, Math.Min(_capacity, _tokens + refill));
        _last = now;
        if (stall is not null)
        {
            long stalled = stall.StalledMs;
            if (stalled > _stallSeen)
            {
                // At most half a minute of stall is credited, so the bucket stays bounded.
                _tokens = Math.Min(_tokens + (stalled - _stallSeen) / 1000.0 * perSecond, _capacity + 30 * perSecond);
                _stallSeen = stalled;
            }
        }
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}

namespace Resonance.Gateway.Sessions;

/// <summary>
/// Measures how far this process falls behind: a thread-pool timer notes how late it runs, and the total lateness beyond
/// a small slack is added up. Work queued behind a stall (a client's messages waiting in its socket) arrives in a burst
/// afterwards; rate budgets use this figure so such a burst is not charged to the client.
/// </summary>
public sealed class ServerStall : IDisposable
{
    // Stalls that pile up client messages last seconds; a coarse probe sees them and costs an idle server nothing measurable.
    private static readonly long Period = 250, Slack = 50;
    private readonly Timer? _timer;
    private long _expectedAt;
    private long _stalledMs;

    public ServerStall() : this(measure: true)
    {
    }

    /// <param name="measure">False for a meter that only counts what <see cref="Add"/> reports (tests).</param>
    public ServerStall(bool measure)
    {
        _expectedAt = Environment.TickCount64 + Period;
        if (measure) _timer = new Timer(_ => Sample(), null, Period, Period);
    }

    /// <summary>Milliseconds this process has been stalled since it started (monotonic).</summary>
    public long StalledMs => Interlocked.Read(ref _stalledMs);

    private void Sample()
    {
        long now = Environment.TickCount64;
        long late = now - _expectedAt;
        if (late > Slack) Interlocked.Add(ref _stalledMs, late);
        _expectedAt = now + Period;
    }

    /// <summary>For tests: as if the process had been stalled this long.</summary>
    public void Add(TimeSpan stall) => Interlocked.Add(ref _stalledMs, (long)stall.TotalMilliseconds);

    public void Dispose() => _timer?.Dispose();
}

namespace Resonance.Gateway.Hosting;

/// <summary>
/// Hands the memory an idle gateway no longer uses back to the system. An idle process allocates too little for the
/// collector to run again, so what its sessions and grains left behind would stay resident for good. On going idle (its
/// last hub released) it compacts once at once, then again after <see cref="FirstDelay"/>, doubling, because the
/// space, cell and node grains of an embedded silo deactivate after their hubs and only then become garbage. It stops
/// once a round frees less than <see cref="MinFreedBytes"/>, after <see cref="MaxRounds"/>, or as soon as the gateway is
/// busy again: never while serving, and an idle server's cost is a few collections in its first minutes.
/// </summary>
public sealed class IdleMemoryReturn : IDisposable
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);
    public const long MinFreedBytes = 4 << 20;
    public const int MaxRounds = 5;

    private readonly Func<long> _collect;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    // Bumped by every transition, so a round scheduled before one does nothing after it.
    private long _epoch;
    private int _round;

    /// <param name="collect">Compacts and returns the bytes it freed (committed memory); the default is a blocking, aggressive collection.</param>
    public IdleMemoryReturn(Func<long>? collect = null, TimeProvider? time = null)
    {
        _collect = collect ?? CompactAggressively;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Rounds run so far since the last transition to idle.</summary>
    public int Rounds
    {
        get { lock (_gate) return _round; }
    }

    /// <summary>True while a next round is scheduled.</summary>
    public bool Scheduled
    {
        get { lock (_gate) return _timer is not null; }
    }

    public void WentIdle()
    {
        lock (_gate)
        {
            _epoch++;
            _round = 0;
            ScheduleLocked(TimeSpan.Zero);
        }
    }

    public void Busy()
    {
        lock (_gate)
        {
            _epoch++;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void ScheduleLocked(TimeSpan due)
    {
        _timer?.Dispose();
        long epoch = _epoch;
        _timer = _time.CreateTimer(_ => Run(epoch), null, due, Timeout.InfiniteTimeSpan);
    }

    private void Run(long epoch)
    {
        lock (_gate)
        {
            if (epoch != _epoch) return;
        }
        long freed = _collect();
        lock (_gate)
        {
            if (epoch != _epoch) return;
            _round++;
            _timer?.Dispose();
            _timer = null;
            // The first round only releases what the sessions held; the grains' garbage comes later, so it never ends the series.
            bool settled = _round > 1 && freed < MinFreedBytes;
            if (!settled && _round < MaxRounds) ScheduleLocked(FirstDelay * (1 << (_round - 1)));
        }
    }

    private static long CompactAggressively()
    {
        long before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return before - GC.GetGCMemoryInfo().TotalCommittedBytes;
    }

    public void Dispose() => Busy();
}

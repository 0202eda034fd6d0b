using System.Diagnostics;

namespace Resonance.LoadTest;

/// <summary>
/// Measures how long a work item waits in this process's thread pool, where every socket receive
/// completion runs. When that wait grows, the tool's own receive loops are behind and the update
/// lag it reports includes its own queueing, not only the server's.
/// </summary>
public sealed class DispatchProbe : IDisposable
{
    private readonly Stats _stats;
    private readonly Thread _thread;
    private readonly TimeSpan _every;
    private volatile bool _stop;

    public DispatchProbe(Stats stats, TimeSpan every)
    {
        _stats = stats;
        _every = every;
        _thread = new Thread(Loop) { IsBackground = true, Name = "load-dispatch-probe" };
        _thread.Start();
    }

    private void Loop()
    {
        while (!_stop)
        {
            Thread.Sleep(_every);
            long queued = Stopwatch.GetTimestamp();
            // Static lambda + state: no closure allocation per probe.
            ThreadPool.UnsafeQueueUserWorkItem(static s =>
            {
                var (stats, at) = s;
                if (stats.SteadyPhase) stats.DispatchLag.RecordMicros(Stats.TicksToMicros(Stopwatch.GetTimestamp() - at));
            }, (_stats, queued), preferLocal: false);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}

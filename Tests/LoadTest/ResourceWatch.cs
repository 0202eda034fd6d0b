using System.Diagnostics;

namespace Resonance.LoadTest;

/// <summary>
/// CPU and memory of the tool and (with --server-pid) the server over the measured window, plus
/// the tool's unread socket backlog. Sampled from the runner's once-a-second loop, so it costs a
/// few file reads per second.
/// </summary>
public sealed class ResourceWatch(int? serverPid, int serverPort)
{
    private long _windowStart, _windowEnd;
    private TimeSpan _toolCpu0, _toolCpu1;
    private long _alloc0, _alloc1;
    private double? _serverCpu0, _serverCpu1;
    private readonly List<long> _backlog = [];
    private int _samples;

    public long? ServerRssMax { get; private set; }
    public long? ServerRssEnd { get; private set; }

    public void WindowStarts()
    {
        _windowStart = Stopwatch.GetTimestamp();
        _toolCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        _alloc0 = GC.GetTotalAllocatedBytes();
        if (serverPid is { } pid) _serverCpu0 = ProcStat.CpuSeconds(pid);
    }

    public void WindowEnds()
    {
        _windowEnd = Stopwatch.GetTimestamp();
        _toolCpu1 = Process.GetCurrentProcess().TotalProcessorTime;
        _alloc1 = GC.GetTotalAllocatedBytes();
        if (serverPid is { } pid)
        {
            _serverCpu1 = ProcStat.CpuSeconds(pid);
            ServerRssEnd = ProcStat.RssBytes(pid);
            if (ServerRssEnd is { } r && (ServerRssMax is null || r > ServerRssMax)) ServerRssMax = r;
        }
    }

    /// <summary>Once a second: the server's RSS; in the measured window, every other second, the socket backlog.</summary>
    public void Sample(bool inWindow)
    {
        if (serverPid is { } pid && ProcStat.RssBytes(pid) is { } rss && (ServerRssMax is null || rss > ServerRssMax)) ServerRssMax = rss;
        // /proc/net/tcp lists every socket (~20,000 rows at 10,000 clients): read it every 2 s only.
        if (inWindow && _samples++ % 2 == 0 && ReceiveBacklog.Bytes(serverPort) is { } b) _backlog.Add(b);
    }

    private double WindowSeconds => _windowEnd > _windowStart ? Stopwatch.GetElapsedTime(_windowStart, _windowEnd).TotalSeconds : 0;

    /// <summary>The tool's CPU over the window, % of one core (from its process times).</summary>
    public double ToolCpuPercent => WindowSeconds > 0 ? (_toolCpu1 - _toolCpu0).TotalSeconds / WindowSeconds * 100 : 0;

    public long ToolAllocatedBytes => _alloc1 - _alloc0;

    public double? ServerCpuPercent => _serverCpu0 is { } a && _serverCpu1 is { } b && WindowSeconds > 0 ? (b - a) / WindowSeconds * 100 : null;

    public long? BacklogMedian
    {
        get
        {
            if (_backlog.Count == 0) return null;
            var s = _backlog.Order().ToArray();
            return s[s.Length / 2];
        }
    }

    public long? BacklogMax => _backlog.Count == 0 ? null : _backlog.Max();
}

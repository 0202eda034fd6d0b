using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Resonance.Hostile;

/// <summary>How one hostile connection ended: how it was cut off (or that it was still open at the end), and when.</summary>
public sealed record Outcome(string How, double CutAfterSeconds, bool OpenAtEnd = false);

/// <summary>Everything one kind of hostile client experienced.</summary>
public sealed class KindReport(string kind)
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private long _attempts, _connected, _upgraded;

    public string Kind { get; } = kind;
    public long Attempts => Interlocked.Read(ref _attempts);
    public long Connected => Interlocked.Read(ref _connected);
    public long Upgraded => Interlocked.Read(ref _upgraded);
    public IReadOnlyCollection<Outcome> Outcomes => _outcomes;

    public void Attempt() => Interlocked.Increment(ref _attempts);
    public void TcpConnected() => Interlocked.Increment(ref _connected);
    public void WasUpgraded() => Interlocked.Increment(ref _upgraded);
    public void Add(Outcome outcome) => _outcomes.Enqueue(outcome);

    public JsonObject ToJson()
    {
        var groups = new JsonObject();
        foreach (var g in _outcomes.GroupBy(o => o.How).OrderByDescending(g => g.Count()))
        {
            var times = g.Select(o => o.CutAfterSeconds).Order().ToArray();
            groups[g.Key] = new JsonObject
            {
                ["count"] = times.Length,
                ["after_s_p50"] = Math.Round(times[times.Length / 2], 2),
                ["after_s_max"] = Math.Round(times[^1], 2),
            };
        }
        return new JsonObject
        {
            ["kind"] = Kind,
            ["attempts"] = Attempts,
            ["tcp_connected"] = Connected,
            ["upgraded"] = Upgraded,
            ["outcomes"] = groups,
        };
    }

    /// <summary>One line: "reset x120 after 16.1 s (max 17.0); open at end x5".</summary>
    public string Describe() => string.Join("; ", _outcomes.GroupBy(o => o.How).OrderByDescending(g => g.Count()).Select(g =>
    {
        var t = g.Select(o => o.CutAfterSeconds).Order().ToArray();
        return g.Key == "open at end" ? $"{g.Key} x{t.Length}" : $"{g.Key} x{t.Length} after {t[t.Length / 2]:0.0} s (max {t[^1]:0.0})";
    }));
}

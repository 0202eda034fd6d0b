using System.Collections.Concurrent;
using Resonance.Grains;

namespace Resonance.Gateway.Events;

/// <summary>
/// Which subjects take part in the collective (<see cref="SubjectPreferences.Collective"/>), as the relay asks it: events
/// of a subject that opted out are stored but not relayed. Answers are cached per subject for a few seconds (one grain
/// call per subject per period, off the client's path); when the subject cannot be asked, its events are not relayed.
/// </summary>
public sealed class CollectiveSubjects(IGrainFactory grains)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, (bool Collective, long AtMs)> _known = new();

    public async ValueTask<bool> IsCollectiveAsync(Guid subject)
    {
        long now = Environment.TickCount64;
        if (_known.TryGetValue(subject, out var known) && now - known.AtMs < CacheFor.TotalMilliseconds) return known.Collective;
        bool collective;
        try
        {
            collective = await grains.GetGrain<ISubjectGrain>(subject).IsCollective();
        }
        catch (Exception)
        {
            return false;
        }
        _known[subject] = (collective, now);
        if (_known.Count > 100_000)
            foreach (var (s, v) in _known)
                if (now - v.AtMs >= CacheFor.TotalMilliseconds) _known.TryRemove(s, out _);
        return collective;
    }
}

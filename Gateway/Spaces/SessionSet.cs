using Resonance.Gateway.Sessions;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// A hub's sessions. Broadcasts read array snapshots, rebuilt only after the membership changed or a session's liveness
/// flipped, so a tick to thousands of sessions neither locks nor allocates per session. The snapshot also comes split
/// into the sessions that answer their pings and the degraded ones (<see cref="ClientSession.Degraded"/>), so a
/// broadcast touches only the degraded sessions whose turn it is, not all of them.
/// </summary>
public sealed class SessionSet
{
    private readonly Lock _gate = new();
    private readonly HashSet<ClientSession> _members = [];
    private Views _views = new([], [], []);
    private volatile bool _stale;

    /// <summary>
    /// One consistent snapshot. A session's liveness may flip after its split was taken: the hub then offers as it
    /// would have, and the session's own check (reduced rate for a degraded one) still applies.
    /// </summary>
    public sealed record Views(ClientSession[] All, ClientSession[] Readers, ClientSession[] Degraded);

    public int Count
    {
        get
        {
            lock (_gate) return _members.Count;
        }
    }

    public bool Add(ClientSession session)
    {
        lock (_gate)
        {
            if (!_members.Add(session)) return false;
            _stale = true;
            return true;
        }
    }

    public bool Remove(ClientSession session)
    {
        lock (_gate)
        {
            if (!_members.Remove(session)) return false;
            _stale = true;
            return true;
        }
    }

    /// <summary>A member's liveness flipped (degraded, or answering again): the split is rebuilt before the next broadcast.</summary>
    public void LivenessChanged() => _stale = true;

    /// <summary>The current members; the same array until the membership changes. Never modify it.</summary>
    public ClientSession[] Snapshot() => Current().All;

    /// <summary>The current members, all and split by liveness; the same arrays until something changes. Never modify them.</summary>
    public Views Current()
    {
        var views = Volatile.Read(ref _views);
        if (!_stale) return views;
        lock (_gate)
        {
            if (!_stale) return _views;
            // Cleared before the members' liveness is read: a flip during the rebuild marks it stale again.
            _stale = false;
            Interlocked.MemoryBarrier();
            var all = _members.ToArray();
            int degraded = 0;
            foreach (var s in all) if (s.Degraded) degraded++;
            var readers = new ClientSession[all.Length - degraded];
            var slow = new ClientSession[degraded];
            int r = 0, d = 0;
            foreach (var s in all)
            {
                // Read once more: a flip between the count and here lands the session in whichever half has room.
                if (s.Degraded ? d < slow.Length : r == readers.Length) slow[d++] = s;
                else readers[r++] = s;
            }
            Volatile.Write(ref _views, new Views(all, readers, slow));
            return _views;
        }
    }
}

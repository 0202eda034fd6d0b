using Resonance.Gateway.Sessions;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// A hub's sessions. Broadcasts read an array snapshot, rebuilt only after the membership changed, so a tick to
/// thousands of sessions neither locks nor allocates per session.
/// </summary>
public sealed class SessionSet
{
    private readonly Lock _gate = new();
    private readonly HashSet<ClientSession> _members = [];
    private ClientSession[] _snapshot = [];
    private bool _stale;

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

    /// <summary>The current members; the same array until the membership changes. Never modify it.</summary>
    public ClientSession[] Snapshot()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (!Volatile.Read(ref _stale)) return snapshot;
        lock (_gate)
        {
            if (_stale)
            {
                _snapshot = [.. _members];
                _stale = false;
            }
            return _snapshot;
        }
    }
}

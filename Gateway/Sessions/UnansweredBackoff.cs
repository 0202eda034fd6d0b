namespace Resonance.Gateway.Sessions;

/// <summary>
/// Which broadcasts a session takes while its ping is unanswered (<see cref="ClientSession.Degraded"/>). The first comes
/// within <c>first</c> broadcasts, at a random turn (so the degraded sessions of a space do not all take the same tick);
/// after each one taken the gap to the next doubles, up to <c>max</c>. A client that was only slow reads on, answers its
/// ping and is served in full again at once; one that never reads costs fewer and fewer sends the longer it stays, and
/// sending to a socket nobody reads is the dearest send there is (the kernel queues every byte it cannot deliver).
/// <para>Owned by the fan-out (one thread per session at a time); a plain mutable struct, no allocation, no lock.</para>
/// </summary>
public struct UnansweredBackoff
{
    // Broadcasts from one taken to the next; 0 while the session answers (the next degraded spell starts afresh).
    private int _gap;
    // Broadcasts still to pass up before the next one taken.
    private int _skip;

    /// <summary>The gap now in force, in broadcasts: 1 for a session that answers its pings.</summary>
    public readonly int Gap => _gap == 0 ? 1 : _gap;

    /// <summary>
    /// How many broadcasts apart the session takes them now, with the same <paramref name="first"/> as <see cref="Take"/>:
    /// 1 while it answers, at least <paramref name="first"/> from the moment it is degraded (before it has taken one).
    /// </summary>
    public readonly int GapFor(bool degraded, int first) => degraded ? Math.Max(Math.Max(1, first), Gap) : 1;

    /// <summary>Whether this broadcast goes to the session; <paramref name="degraded"/> is its liveness now.</summary>
    public bool Take(bool degraded, int first, int max)
    {
        if (!degraded)
        {
            if (_gap != 0) _gap = 0;
            return true;
        }
        if (_gap == 0)
        {
            _gap = Math.Max(1, first);
            _skip = Random.Shared.Next(_gap);
        }
        if (_skip > 0)
        {
            _skip--;
            return false;
        }
        _skip = _gap - 1;
        _gap = Math.Max(_gap, Math.Min(_gap * 2, max));
        return true;
    }
}

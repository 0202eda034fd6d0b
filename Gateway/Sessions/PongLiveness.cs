namespace Resonance.Gateway.Sessions;

/// <summary>What a session's pings say about it (see <see cref="PongLiveness"/>).</summary>
public enum LivenessState
{
    /// <summary>No ping outstanding, or the outstanding one is younger than the grace.</summary>
    Live,

    /// <summary>The outstanding ping is older than the grace: the client is not reading (or is far behind).</summary>
    Unanswered,

    /// <summary>The outstanding ping is older than the timeout: the session is to be closed.</summary>
    Unresponsive,
}

/// <summary>
/// Whether a client reads what it is sent, judged by WebSocket pings: every browser and WebSocket library answers a ping
/// with a pong carrying the same payload as soon as it reads that far, so a ping left unanswered means the client is not
/// reading. A client that never reads cannot answer, and cannot guess the answer either: each ping carries a fresh random
/// payload, and only a pong with exactly that payload counts. One ping is outstanding at a time (the next is due
/// <c>interval</c> after the last one was answered), so a non-reader is never sent a second one.
/// <para>
/// Pure and cheap: the hub's pump calls <see cref="TryStartPing"/> (so does the session's start) and <see cref="Evaluate"/> about once a second, the
/// receive side calls <see cref="Pong"/> for each pong frame; the broadcast path reads <see cref="Degraded"/> only.
/// </para>
/// </summary>
public sealed class PongLiveness
{
    // When the outstanding ping was sent (ms, Environment.TickCount64 clock); 0: none outstanding.
    private long _pingSentMs;
    // When the last ping was answered (or the session began): the next ping is due an interval after it.
    private long _answeredMs;
    private long _payload;
    // A new session is unproven until its first pong: a client that reads answers within a round trip, one that never
    // reads is never served at the full rate (it has the current state from connection_established either way).
    private volatile bool _degraded = true;
    private long _pongs;

    public PongLiveness(long nowMs) => _answeredMs = nowMs - long.MaxValue / 4; // the first ping is due at once

    /// <summary>True until the first pong, and from an <see cref="LivenessState.Unanswered"/> evaluation until the next one.</summary>
    public bool Degraded => _degraded;

    /// <summary>Matching pongs received so far.</summary>
    public long Pongs => Interlocked.Read(ref _pongs);

    /// <summary>True while a ping waits for its pong.</summary>
    public bool Outstanding => Volatile.Read(ref _pingSentMs) != 0;

    /// <summary>
    /// When no ping is outstanding and the last answer is <paramref name="intervalMs"/> old, starts one: returns true and
    /// the payload to send (8 bytes, big-endian). The payload is recorded before the ping can reach the wire.
    /// </summary>
    public bool TryStartPing(long nowMs, long intervalMs, long nonce, out long payload)
    {
        payload = 0;
        if (Volatile.Read(ref _pingSentMs) != 0 || nowMs - Volatile.Read(ref _answeredMs) < intervalMs) return false;
        // Claimed first (the session's start and the pump may both ask); the payload is in place before the ping is sent.
        if (Interlocked.CompareExchange(ref _pingSentMs, Math.Max(1, nowMs), 0) != 0) return false;
        payload = nonce;
        Volatile.Write(ref _payload, nonce);
        return true;
    }

    /// <summary>A pong arrived; it answers the outstanding ping only if it carries that ping's 8-byte payload.</summary>
    public bool Pong(long nowMs, long payload, int length)
    {
        // Only the receive side clears the outstanding ping (and a ping is only started while none is), so no
        // compare-and-swap is needed here; the answer time goes first, so the pump never sees "none outstanding" with the previous answer time.
        if (Volatile.Read(ref _pingSentMs) == 0 || length != sizeof(long) || payload != Volatile.Read(ref _payload)) return false;
        Volatile.Write(ref _answeredMs, nowMs);
        Volatile.Write(ref _pingSentMs, 0);
        Interlocked.Increment(ref _pongs);
        _degraded = false;
        return true;
    }

    /// <summary>Where the session stands now; an unanswered ping past the grace marks it degraded (a pong lifts it).</summary>
    public LivenessState Evaluate(long nowMs, long graceMs, long timeoutMs)
    {
        long sent = Volatile.Read(ref _pingSentMs);
        if (sent == 0) return LivenessState.Live;
        long waited = nowMs - sent;
        if (waited >= timeoutMs) return LivenessState.Unresponsive;
        if (waited < graceMs) return LivenessState.Live;
        _degraded = true;
        Interlocked.MemoryBarrier();
        // A pong may have landed between the read above and the flag: it must not be left degraded.
        if (Volatile.Read(ref _pingSentMs) != sent) _degraded = false;
        return LivenessState.Unanswered;
    }
}

using System.Net.Sockets;

namespace Resonance.Gateway.Auth;

/// <summary>
/// Holds a refused connection for a while (0.5 to 1.5 times the hold) before it is answered or closed. A client that
/// retries at once (a connection flood) then makes at most one attempt per held connection and hold, instead of as many
/// as it can: refusing an attempt on the spot costs the server an accept, a request parse and an answer each, and a
/// closed-loop flooder turns that into thousands per second. At most <c>maxHeld</c> are held at once, across both
/// kinds below; beyond that a refusal is answered (or closed) at once, so the hold itself is bounded.
/// <list type="bullet">
/// <item><see cref="WaitAsync"/> holds a request that Kestrel already serves (the upgrade's 429): a connection, its
/// pipes and a timer.</item>
/// <item><see cref="Hold(Socket)"/> holds a socket refused as it was accepted, before Kestrel made a connection of it:
/// only the socket and one list entry, closed by one shared sweep. A flood's held connections live 15-45 s, long
/// enough to be promoted through every GC generation, so their size is what a flood costs the young collections that
/// the normal clients' broadcasts wait behind (docs/benchmarks.md).</item>
/// </list>
/// </summary>
public sealed class RefusalHold(TimeSpan hold, int maxHeld) : IDisposable
{
    private readonly List<HeldSocket> _sockets = [];
    private Timer? _sweep;
    private bool _disposed;
    private int _held;
    private long _heldTotal;
    private long _heldAtAccept;

    /// <summary>Refusals that were held so far.</summary>
    public long HeldTotal => Interlocked.Read(ref _heldTotal);

    /// <summary>Of <see cref="HeldTotal"/>, the sockets held as they were accepted (<see cref="Hold(Socket)"/>).</summary>
    public long HeldAtAccept => Interlocked.Read(ref _heldAtAccept);

    /// <summary>Refusals held right now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Waits out the hold (or returns at once when it is off, full, or the connection goes away).</summary>
    public async ValueTask WaitAsync(CancellationToken aborted)
    {
        if (!TryTakeSlot()) return;
        try
        {
            await Task.Delay(NextHold(), aborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up first: nothing is left to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }

    /// <summary>
    /// Takes over <paramref name="socket"/>, refused before anything of it was read, and closes it unanswered when its
    /// hold is over (at once when the hold is off or full).
    /// </summary>
    public void Hold(Socket socket)
    {
        if (!TryTakeSlot())
        {
            Close(socket);
            return;
        }
        Interlocked.Increment(ref _heldAtAccept);
        long due = Environment.TickCount64 + (long)NextHold().TotalMilliseconds;
        lock (_sockets)
        {
            if (!_disposed)
            {
                _sockets.Add(new HeldSocket(socket, due));
                // One timer for all held sockets, and none while nothing is held.
                _sweep ??= new Timer(static s => ((RefusalHold)s!).Sweep(), this, SweepPeriod, SweepPeriod);
                return;
            }
        }
        Interlocked.Decrement(ref _held);
        Close(socket);
    }

    public void Dispose()
    {
        List<HeldSocket> left;
        lock (_sockets)
        {
            _disposed = true;
            _sweep?.Dispose();
            _sweep = null;
            left = [.. _sockets];
            _sockets.Clear();
        }
        foreach (var h in left)
        {
            Interlocked.Decrement(ref _held);
            Close(h.Socket);
        }
    }

    private bool TryTakeSlot()
    {
        if (hold <= TimeSpan.Zero) return false;
        if (Interlocked.Increment(ref _held) > maxHeld)
        {
            Interlocked.Decrement(ref _held);
            return false;
        }
        Interlocked.Increment(ref _heldTotal);
        return true;
    }

    // Spread over 0.5-1.5 holds: a flood's connections arrive together, and would otherwise come back together.
    private TimeSpan NextHold() => hold * (0.5 + Random.Shared.NextDouble());

    // A quarter of the hold, within 50 ms..1 s: a held socket is closed at most that late.
    private TimeSpan SweepPeriod => TimeSpan.FromMilliseconds(Math.Clamp(hold.TotalMilliseconds / 4, 50, 1000));

    private void Sweep()
    {
        long now = Environment.TickCount64;
        List<Socket>? due = null;
        lock (_sockets)
        {
            for (int i = _sockets.Count - 1; i >= 0; i--)
            {
                if (_sockets[i].Due > now) continue;
                (due ??= []).Add(_sockets[i].Socket);
                _sockets[i] = _sockets[^1];
                _sockets.RemoveAt(_sockets.Count - 1);
            }
            if (_sockets.Count == 0)
            {
                _sweep?.Dispose();
                _sweep = null;
            }
        }
        if (due is null) return;
        foreach (var socket in due)
        {
            Interlocked.Decrement(ref _held);
            Close(socket);
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone on the client's side.
        }
        catch (ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    private readonly record struct HeldSocket(Socket Socket, long Due);
}

using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Resonance.Gateway.Auth;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// Counts open TCP connections per client address, before any byte of HTTP is read. An address over its cap
/// (<see cref="GatewayOptions.EffectiveConnectionsPerAddress"/>) has the new connection held for
/// <see cref="GatewayOptions.RefusalHold"/> and then closed without an answer, and its retry rate is bounded by the hold.
/// <list type="bullet">
/// <item>Mostly as the socket is accepted (<see cref="RefusesAtAccept"/>, called by <see cref="AddressGatedTransport"/>):
/// a flood from one address then costs an accept and a held socket per attempt, never a Kestrel connection.</item>
/// <item>Authoritatively in Kestrel's connection middleware (<see cref="Wrap"/>), which takes the slot: a connection
/// that passed the accept check while others from its address were on their way is held there.</item>
/// </list>
/// The WebSocket cap per address (<see cref="GatewayOptions.MaxConnectionsPerAddress"/>) is still enforced at the
/// upgrade, with a 429.
/// </summary>
public sealed partial class AddressConnectionGate(int cap, RefusalHold hold, GatewayCounters counters, ILogger<AddressConnectionGate> logger)
{
    private readonly ConnectionLimiter _open = new();
    private long _lastLogTicks;

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        using var lease = _open.TryAcquire(address, cap);
        if (lease is null)
        {
            CountRefusal(address!);
            await hold.WaitAsync(connection.ConnectionClosed);
            // Returning without reading ends the connection (FIN): nothing of it was parsed.
            return;
        }
        await next(connection);
    };

    /// <summary>
    /// True when <paramref name="socket"/>, just accepted, comes from an address that already holds its share: the
    /// socket is then refused and held (<see cref="RefusalHold.Hold(Socket)"/>), and the caller must forget it.
    /// </summary>
    public bool RefusesAtAccept(Socket socket)
    {
        if (cap <= 0 || socket.RemoteEndPoint is not IPEndPoint remote || _open.OpenFrom(remote.Address) < cap) return false;
        CountRefusal(remote.Address);
        hold.Hold(socket);
        return true;
    }

    private void CountRefusal(IPAddress address)
    {
        counters.ConnectionRefused("address_cap");
        LogRefusedThrottled(address);
    }

    private void LogRefusedThrottled(IPAddress address)
    {
        // One line at most every 10 s, whatever the address: a flood must not turn into a log flood.
        long now = Environment.TickCount64, last = Interlocked.Read(ref _lastLogTicks);
        if (now - last < 10_000 || Interlocked.CompareExchange(ref _lastLogTicks, now, last) != last) return;
        LogRefused(address, cap, _open.OpenFrom(address));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connections from {Address} refused: it holds {Open} of its {Cap} (logged at most every 10 s)")]
    private partial void LogRefused(IPAddress address, int cap, int open);
}

using Microsoft.Extensions.Options;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// The gateway's shutdown (SIGTERM): from the first moment <c>/healthz</c> answers 503 and new WebSocket upgrades are
/// refused with 503 (a load balancer retries them on another gateway); every session closes with 1012 "service restart"
/// once its message in hand is answered; the host then waits up to <see cref="GatewayOptions.DrainTimeout"/> for the
/// sessions to finish their close handshakes before it stops the rest.
/// </summary>
public sealed class GatewayDrain(GatewayCounters counters, IOptions<GatewayOptions> options)
{
    private volatile bool _draining;

    public bool Draining => _draining;

    /// <summary>Called on ApplicationStopping (the sessions' own stopping registrations send the close frames).</summary>
    public void Begin() => _draining = true;

    /// <summary>Blocks until every session is closed or the drain timeout passed; true when all closed.</summary>
    public bool WaitForSessions()
    {
        var deadline = DateTime.UtcNow + options.Value.DrainTimeout;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (counters.Connected > 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            tick.WaitForNextTickAsync().AsTask().Wait();
        }
        return true;
    }
}

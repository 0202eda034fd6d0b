using System.Collections.Concurrent;
using System.Net;

namespace Resonance.Gateway.Auth;

/// <summary>
/// Counts open WebSocket connections per client address, so one address cannot take the gateway's sessions for itself.
/// A cap of 0 turns it off.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    /// <summary>Takes a slot for <paramref name="address"/>; the returned lease gives it back. Null when the address is at its cap.</summary>
    public Lease? TryAcquire(IPAddress? address, int cap)
    {
        if (cap <= 0 || address is null) return new Lease(this, null);
        address = Normalize(address);
        while (true)
        {
            int current = _open.GetOrAdd(address, 0);
            if (current >= cap) return null;
            if (_open.TryUpdate(address, current + 1, current)) return new Lease(this, address);
        }
    }

    public int OpenFrom(IPAddress address) => _open.TryGetValue(Normalize(address), out int n) ? n : 0;

    /// <summary>An IPv4 client seen through a dual-stack socket counts as its IPv4 address.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private void Release(IPAddress address)
    {
        while (true)
        {
            int current = _open[address];
            if (current <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<IPAddress, int>(address, current))) return;
            }
            else if (_open.TryUpdate(address, current - 1, current)) return;
        }
    }

    public sealed class Lease(ConnectionLimiter owner, IPAddress? address) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (address is not null && Interlocked.Exchange(ref _released, 1) == 0) owner.Release(address);
        }
    }
}

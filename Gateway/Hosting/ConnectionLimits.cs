using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// Kestrel's connection limits from <see cref="GatewayOptions"/>: how long a handshake may take, how long an idle HTTP
/// connection is kept, and how many connections and sessions the process holds, so slow or flooding clients cost a
/// bounded amount.
/// </summary>
public static class ConnectionLimits
{
    public static void Apply(KestrelServerLimits limits, GatewayOptions options)
    {
        limits.RequestHeadersTimeout = options.HandshakeTimeout;
        limits.KeepAliveTimeout = options.HttpKeepAliveTimeout;
        limits.MaxConcurrentConnections = options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = options.MaxUpgradedConnections;
        limits.MaxRequestBufferSize = options.ReadAheadBytes;
    }

    /// <summary>
    /// The socket transport's side of the same limits. Its input pipe's pause threshold is what bounds a connection's
    /// read-ahead in practice: the transport builds that pipe, so Kestrel's own buffer limit alone changes nothing.
    /// </summary>
    public static void Apply(SocketTransportOptions transport, GatewayOptions options)
    {
        transport.UnsafePreferInlineScheduling = options.InlineSocketScheduling;
        transport.MaxReadBufferSize = options.ReadAheadBytes;
    }
}

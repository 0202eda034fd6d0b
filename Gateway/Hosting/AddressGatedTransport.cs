using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// Kestrel's socket transport with one step added between the accept and the connection: a socket from an address
/// that already holds its share of TCP connections is refused there (<see cref="AddressConnectionGate.RefusesAtAccept"/>)
/// and never becomes a Kestrel connection (pipes, buffers, a connection context). Everything else is the stock
/// transport, built with its public pieces (<see cref="SocketTransportOptions"/> for the listen socket,
/// <see cref="SocketConnectionContextFactory"/> for the connections). It binds IP endpoints only; any other (a Unix
/// socket, an inherited handle) is left to the stock transport.
/// </summary>
public sealed class AddressGatedTransport(IOptions<SocketTransportOptions> options, AddressConnectionGate gate, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        Socket listenSocket;
        try
        {
            listenSocket = o.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // The type Kestrel reports as "address in use" (and, for localhost, tolerates on one of its two loopbacks).
            throw new AddressInUseException(e.Message, e);
        }
        listenSocket.Listen(o.Backlog);
        var connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            IOQueueCount = o.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = o.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = o.MaxReadBufferSize,
            MaxWriteBufferSize = o.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = o.UnsafePreferInlineScheduling,
        }, loggers.CreateLogger<AddressGatedTransport>());
        return ValueTask.FromResult<IConnectionListener>(new Listener(listenSocket, connections, gate, o.NoDelay));
    }

    private sealed class Listener(Socket listenSocket, SocketConnectionContextFactory connections, AddressConnectionGate gate, bool noDelay)
        : IConnectionListener
    {
        public EndPoint EndPoint { get; } = listenSocket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await listenSocket.AcceptAsync(cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    return null; // unbound
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
                {
                    return null; // unbound while waiting
                }
                catch (SocketException)
                {
                    continue; // a connection reset before it was accepted: nothing to serve
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                try
                {
                    if (gate.RefusesAtAccept(socket)) continue;
                    socket.NoDelay = noDelay;
                    return connections.Create(socket);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Reset between the accept and here. Nothing may escape: Kestrel stops accepting on an exception.
                    socket.Dispose();
                }
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            listenSocket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            listenSocket.Dispose();
            connections.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

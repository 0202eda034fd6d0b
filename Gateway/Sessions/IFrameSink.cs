using System.Net.WebSockets;

namespace Resonance.Gateway.Sessions;

/// <summary>Where a session's framed messages go. One writer at a time (the <see cref="SessionWriter"/>).</summary>
public interface IFrameSink
{
    /// <summary>Writes one complete frame; completes synchronously when the connection takes it at once.</summary>
    ValueTask WriteAsync(byte[] frame);

    /// <summary>
    /// Makes the connection end with a reset instead of a FIN when it closes (SO_LINGER 0): for a peer that stopped
    /// reading, a FIN would wait behind the unsent bytes for as long as the kernel keeps probing its closed window.
    /// </summary>
    void ResetOnClose() { }
}

/// <summary>
/// The upgraded HTTP/1.1 connection itself: frames are written as they are (framed once, shared by all sessions).
/// </summary>
public sealed class StreamFrameSink(Stream transport, System.Net.Sockets.Socket? socket = null) : IFrameSink
{
    public ValueTask WriteAsync(byte[] frame) => transport.WriteAsync(frame);

    public void ResetOnClose() => SocketReset.Arm(socket);
}

/// <summary>
/// The connection's own socket, written without Kestrel's output pipe: a frame goes to the kernel in one non-blocking
/// send on the writing thread; only what the kernel cannot take at once is finished asynchronously. Used for plain
/// TCP connections when Kestrel runs its continuations inline (so the 101 response it wrote on upgrade has reached the
/// kernel before the first frame), never under TLS.
/// </summary>
public sealed class SocketFrameSink(System.Net.Sockets.Socket socket) : IFrameSink
{
    public ValueTask WriteAsync(byte[] frame)
    {
        int sent = socket.Send(frame, 0, frame.Length, System.Net.Sockets.SocketFlags.None, out var error);
        if (error == System.Net.Sockets.SocketError.Success && sent == frame.Length) return ValueTask.CompletedTask;
        if (error is not (System.Net.Sockets.SocketError.Success or System.Net.Sockets.SocketError.WouldBlock))
            return ValueTask.FromException(new System.Net.Sockets.SocketException((int)error));
        return Rest(frame, Math.Max(sent, 0));
    }

    public void ResetOnClose() => SocketReset.Arm(socket);

    private async ValueTask Rest(byte[] frame, int offset)
    {
        while (offset < frame.Length)
            offset += await socket.SendAsync(frame.AsMemory(offset), System.Net.Sockets.SocketFlags.None).ConfigureAwait(false);
    }
}

/// <summary>
/// A WebSocket the server did not upgrade itself (e.g. HTTP/2 extended CONNECT): the frame header is stripped and the
/// payload sent as one message.
/// </summary>
public sealed class WebSocketFrameSink(WebSocket socket) : IFrameSink
{
    public ValueTask WriteAsync(byte[] frame)
    {
        byte opcode = WebSocketFrame.Opcode(frame);
        if (opcode == WebSocketFrame.OpClose) return ValueTask.CompletedTask; // the socket sends its own close frame
        int header = WebSocketFrame.HeaderLengthOf(frame);
        var kind = opcode == WebSocketFrame.OpBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        return socket.SendAsync(frame.AsMemory(header), kind, endOfMessage: true, CancellationToken.None);
    }
}

/// <summary>SO_LINGER 0: closing the socket sends a reset and discards what is still unsent.</summary>
internal static class SocketReset
{
    public static void Arm(System.Net.Sockets.Socket? socket)
    {
        if (socket is null) return;
        try
        {
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }
}

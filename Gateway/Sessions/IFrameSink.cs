using System.Net.WebSockets;

namespace Resonance.Gateway.Sessions;

/// <summary>Where a session's framed messages go. One writer at a time (the <see cref="SessionWriter"/>).</summary>
public interface IFrameSink
{
    /// <summary>Writes one complete frame; completes synchronously when the connection takes it at once.</summary>
    ValueTask WriteAsync(byte[] frame);
}

/// <summary>
/// The upgraded HTTP/1.1 connection itself: frames are written as they are (framed once, shared by all sessions).
/// </summary>
public sealed class StreamFrameSink(Stream transport) : IFrameSink
{
    public ValueTask WriteAsync(byte[] frame) => transport.WriteAsync(frame);
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
        int length = frame[1] & 0x7F;
        int header = length < 126 ? 2 : length == 126 ? 4 : 10;
        var kind = opcode == WebSocketFrame.OpBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        return socket.SendAsync(frame.AsMemory(header), kind, endOfMessage: true, CancellationToken.None);
    }
}

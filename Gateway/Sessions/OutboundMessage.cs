using System.Diagnostics;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// One message on its way to clients, already framed for the wire. A broadcast is one instance shared by every session
/// of a space: never mutate <see cref="Frame"/>.
/// </summary>
public sealed class OutboundMessage(byte[] frame, string type, long enqueuedTimestamp, bool shared = false)
{
    public byte[] Frame { get; } = frame;
    /// <summary>One instance offered to many sessions: counted once per broadcast, not per write.</summary>
    public bool Shared { get; } = shared;
    public string Type { get; } = type;
    /// <summary>Stopwatch timestamp of the moment the gateway had the message (for the delivery-latency histogram).</summary>
    public long EnqueuedTimestamp { get; } = enqueuedTimestamp;

    public static OutboundMessage Text(ReadOnlySpan<byte> utf8Json, string type) =>
        new(WebSocketFrame.Frame(utf8Json, WebSocketFrame.OpText), type, Stopwatch.GetTimestamp());

    /// <summary>A text message for every session of a space.</summary>
    public static OutboundMessage Broadcast(ReadOnlySpan<byte> utf8Json, string type) =>
        new(WebSocketFrame.Frame(utf8Json, WebSocketFrame.OpText), type, Stopwatch.GetTimestamp(), shared: true);

    public static OutboundMessage Binary(ReadOnlySpan<byte> payload, string type) =>
        new(WebSocketFrame.Frame(payload, WebSocketFrame.OpBinary), type, Stopwatch.GetTimestamp());
}

using System.Net.WebSockets;

namespace Resonance.Gateway.Sessions;

/// <summary>One message waiting to go to a client. Payloads may be shared by many clients: never mutate them.</summary>
public readonly record struct OutboundMessage(byte[] Payload, WebSocketMessageType Kind, string Type, long EnqueuedTimestamp);

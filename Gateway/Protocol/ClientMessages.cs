using System.Text.Json;
using Resonance.Grains;

namespace Resonance.Gateway.Protocol;

/// <summary>A validated client -> server message.</summary>
public abstract record ClientMessage(string Type);

public sealed record HarmonicStreamMessage(ParticipantUpdate Update) : ClientMessage(MessageTypes.HarmonicStream);

public sealed record HeartbeatMessage(double? Timestamp) : ClientMessage(MessageTypes.Heartbeat);

public sealed record QuantumEntangleMessage(Guid Target, bool Break) : ClientMessage(MessageTypes.QuantumEntangle);

public sealed record MemoryCrystallizeMessage(Guid? MemoryId, MemoryUpdate Update) : ClientMessage(MessageTypes.MemoryCrystallize);

/// <summary>Deletes one of the caller's memory nodes.</summary>
public sealed record MemoryDissolveMessage(Guid MemoryId) : ClientMessage(MessageTypes.MemoryDissolve);

/// <summary>Renews the session's authentication in-band with a new access token of the same subject.</summary>
public sealed record RefreshMessage(string AccessToken) : ClientMessage(MessageTypes.Refresh);

/// <summary>
/// A <c>consciousness_event</c>; <see cref="DataJson"/> is the <c>data</c> object re-serialised compactly. A client that
/// resends after a lost connection gives the same <see cref="EventId"/>, so the event is stored once.
/// </summary>
public sealed record ConsciousnessEventMessage(string EventType, string DataJson, double? X, double? Y, double? Resonance, string? AckId, Guid? EventId = null)
    : ClientMessage(MessageTypes.ConsciousnessEvent)
{
    /// <summary>The event as stored and relayed, stamped now.</summary>
    public SpaceEvent ToSpaceEvent(Guid eventId, Guid userId) => new()
    {
        EventId = eventId,
        UserId = userId,
        EventType = EventType,
        DataJson = DataJson,
        X = X,
        Y = Y,
        Resonance = Resonance,
        TimestampUtc = DateTime.UtcNow,
    };
}

public enum FrameFormat : byte { Json = 0, F32 = 1, U8 = 2 }

/// <summary>A field subscription: viewport in field units, lattice size, rate and encoding.</summary>
public sealed record FieldSubscription(double X0, double Y0, double X1, double Y1, int Width, int Height, double Rate, FrameFormat Format);

public sealed record SubscribeFieldMessage(FieldSubscription Subscription) : ClientMessage(MessageTypes.SubscribeField);

public sealed record UnsubscribeFieldMessage() : ClientMessage(MessageTypes.UnsubscribeField);

public sealed record DisconnectMessage() : ClientMessage(MessageTypes.Disconnect);

public static class MessageTypes
{
    public const string HarmonicStream = "harmonic_stream";
    public const string Heartbeat = "heartbeat";
    public const string QuantumEntangle = "quantum_entangle";
    public const string MemoryCrystallize = "memory_crystallize";
    public const string ConsciousnessEvent = "consciousness_event";
    public const string SubscribeField = "subscribe_field";
    public const string UnsubscribeField = "unsubscribe_field";
    public const string Disconnect = "disconnect";
    public const string MemoryDissolve = "memory_dissolve";
    public const string Refresh = "refresh";

    public static readonly string[] All =
        [HarmonicStream, Heartbeat, QuantumEntangle, MemoryCrystallize, MemoryDissolve, ConsciousnessEvent, SubscribeField, UnsubscribeField, Refresh, Disconnect];
}

namespace Resonance.Grains;

/// <summary>A <c>consciousness_event</c> relayed to every client of a space with the next tick.</summary>
[GenerateSerializer, Immutable, Alias("resonance.space-event")]
public sealed record SpaceEvent
{
    [Id(0)] public Guid EventId { get; init; }
    [Id(1)] public Guid UserId { get; init; }
    [Id(2)] public string EventType { get; init; } = "";
    /// <summary>The event's <c>data</c> object as compact JSON text (validated by the gateway).</summary>
    [Id(3)] public string DataJson { get; init; } = "{}";
    [Id(4)] public double? X { get; init; }
    [Id(5)] public double? Y { get; init; }
    [Id(6)] public double? Resonance { get; init; }
    [Id(7)] public DateTime TimestampUtc { get; init; }
}

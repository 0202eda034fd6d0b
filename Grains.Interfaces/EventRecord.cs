namespace Resonance.Grains;

/// <summary>One consciousness event as stored: the space it belongs to and the event itself (its id makes writes idempotent).</summary>
[GenerateSerializer, Immutable, Alias("resonance.event-record")]
public readonly record struct EventRecord([property: Id(0)] string Space, [property: Id(1)] SpaceEvent Event);

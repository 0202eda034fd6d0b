using Resonance.Grains;

namespace Resonance.Gateway.Events;

/// <summary>One consciousness event as stored: the space it belongs to and the event itself (its id makes writes idempotent).</summary>
public readonly record struct EventRecord(string Space, SpaceEvent Event);

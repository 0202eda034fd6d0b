namespace Resonance.Grains.Rollups;

/// <summary>The fields of a stored event that rollups use.</summary>
public readonly record struct RollupEvent(Guid EventId, Guid UserId, double? X, double? Y, double? Resonance, DateTime TimestampUtc);

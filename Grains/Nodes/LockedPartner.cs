namespace Resonance.Grains.Nodes;

/// <summary>A phase-locked partner as a node keeps it: the partner's grain, the ratio and the PLV at formation.</summary>
[GenerateSerializer, Immutable, Alias("resonance.locked-partner")]
public sealed record LockedPartner(
    [property: Id(0)] INodeGrain Partner,
    [property: Id(1)] string Ratio,
    [property: Id(2)] double Strength);

namespace Resonance.Grains;

/// <summary>The space's global measures at one tick (the body of <c>resonance_update</c>).</summary>
[GenerateSerializer, Immutable, Alias("resonance.space-tick")]
public sealed record SpaceTick
{
    [Id(0)] public string Space { get; init; } = "";
    [Id(1)] public long Seq { get; init; }
    [Id(2)] public DateTime TimestampUtc { get; init; }
    /// <summary>G: mean resonance over live participants (0 when there are none).</summary>
    [Id(3)] public double GlobalResonance { get; init; }
    [Id(4)] public int ActiveNodes { get; init; }
    [Id(5)] public int MemoryNodes { get; init; }
    /// <summary>Kuramoto R over live participants, weighted by amplitude.</summary>
    [Id(6)] public double QuantumCoherence { get; init; }
    [Id(7)] public double MeanPhase { get; init; }
    [Id(8)] public double FieldMin { get; init; }
    [Id(9)] public double FieldMax { get; init; }
    [Id(10)] public double FieldMean { get; init; }
    [Id(11)] public double FieldEnergy { get; init; }
    [Id(12)] public FieldPeakInfo[] Peaks { get; init; } = [];
    [Id(13)] public int CellsReporting { get; init; }
    /// <summary>Space clock (seconds since the space's epoch) at this tick.</summary>
    [Id(14)] public double TimeSeconds { get; init; }
    /// <summary>The strongest entangled pairs of the space (<c>phiHarmonics</c>; at most <c>PairsPerTick</c>, see <see cref="PairCount"/>).</summary>
    [Id(15)] public EntangledPair[] Pairs { get; init; } = [];
    /// <summary>Entanglement changes since the previous tick, each addressed to one node's client.</summary>
    [Id(16)] public EntanglementNotice[] Notices { get; init; } = [];
    /// <summary>Events relayed since the previous tick (bounded per tick; see ResonanceFieldOptions.RelayEventsPerTick).</summary>
    [Id(17)] public SpaceEvent[] Events { get; init; } = [];
    /// <summary>All entangled pairs of the space (<c>phiCascades</c>); <see cref="Pairs"/> lists the strongest of them.</summary>
    [Id(18)] public int PairCount { get; init; }
}

/// <summary>A peak of the node field in field units: the composed field (<c>intensity</c>) and the node sum (<c>resonance</c>) there.</summary>
[GenerateSerializer, Immutable, Alias("resonance.field-peak")]
public readonly record struct FieldPeakInfo(
    [property: Id(0)] double X,
    [property: Id(1)] double Y,
    [property: Id(2)] double Intensity,
    [property: Id(3)] double Resonance);

namespace Resonance.Grains;

/// <summary>
/// A cell's per-tick report to its space: exact partial sums over its member participants and memory nodes, and a
/// summary of its composed tile (stats, local-maximum candidates, and its edge samples so the space can check
/// candidates on a seam against the neighbouring tile).
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.cell-report")]
public sealed record CellReport
{
    [Id(0)] public int Cx { get; init; }
    [Id(1)] public int Cy { get; init; }
    [Id(2)] public int Participants { get; init; }
    [Id(3)] public double SumResonance { get; init; }
    [Id(4)] public double PhaseWeight { get; init; }
    [Id(5)] public double PhaseCos { get; init; }
    [Id(6)] public double PhaseSin { get; init; }
    [Id(7)] public int MemoryNodes { get; init; }
    [Id(8)] public long SampleCount { get; init; }
    [Id(9)] public double Min { get; init; }
    [Id(10)] public double Max { get; init; }
    [Id(11)] public double Sum { get; init; }
    [Id(12)] public double SumSquares { get; init; }
    [Id(13)] public PeakCandidate[] Peaks { get; init; } = [];
    [Id(14)] public long TileVersion { get; init; }
    /// <summary>Number of contributions (own members and neighbours' nodes whose footprint reaches the tile).</summary>
    [Id(15)] public int Contributors { get; init; }
    /// <summary>The tile holds memory-node contributions: the space revives such a cell after a restart.</summary>
    [Id(16)] public bool HoldsMemory { get; init; }
}

/// <summary>A local maximum of the composed field at sample (I, J): composed value and the node sum there.</summary>
[GenerateSerializer, Immutable, Alias("resonance.peak-candidate")]
public readonly record struct PeakCandidate(
    [property: Id(0)] int I,
    [property: Id(1)] int J,
    [property: Id(2)] double Intensity,
    [property: Id(3)] double NodeSum);

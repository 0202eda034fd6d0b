namespace Resonance.Grains;

/// <summary>
/// A cell's per-tick report to its space: exact partial sums over its member participants and memory nodes, and a
/// summary of its tile: stats of the composed field, and the peaks of the node field — those the cell decided, the plateau
/// pieces on a seam that only the space can decide, and the node field on the tile's border so the space can decide the
/// neighbours' pieces.
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
    /// <summary>Peaks of the node field inside the tile (decided by the cell; its best <c>PeaksPerTick</c>).</summary>
    [Id(13)] public PeakCandidate[] Peaks { get; init; } = [];
    [Id(14)] public long TileVersion { get; init; }
    /// <summary>Number of contributions (own members and neighbours' nodes whose footprint reaches the tile).</summary>
    [Id(15)] public int Contributors { get; init; }
    /// <summary>The tile holds memory-node contributions: the space revives such a cell after a restart.</summary>
    [Id(16)] public bool HoldsMemory { get; init; }
    /// <summary>Members of the node-field plateaus that touch a seam and are not exceeded inside the tile (see TilePeakFinder).</summary>
    [Id(17)] public EdgePeakSample[] EdgePeaks { get; init; } = [];
    /// <summary>The node field on the tile's border (TileBorder layout); empty from a silo that predates it.</summary>
    [Id(18)] public double[] NodeBorder { get; init; } = [];
}

/// <summary>A peak of the node field at sample (I, J) (a plateau's centre): composed value and the node sum there.</summary>
[GenerateSerializer, Immutable, Alias("resonance.peak-candidate")]
public readonly record struct PeakCandidate(
    [property: Id(0)] int I,
    [property: Id(1)] int J,
    [property: Id(2)] double Intensity,
    [property: Id(3)] double NodeSum);

/// <summary>A member of plateau piece <see cref="Piece"/> (numbered per report) on a seam: its composed value and node sum.</summary>
[GenerateSerializer, Immutable, Alias("resonance.edge-peak-sample")]
public readonly record struct EdgePeakSample(
    [property: Id(0)] int Piece,
    [property: Id(1)] int I,
    [property: Id(2)] int J,
    [property: Id(3)] double Intensity,
    [property: Id(4)] double NodeSum);

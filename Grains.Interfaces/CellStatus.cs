namespace Resonance.Grains;

/// <summary>Diagnostics of a cell: what it holds and how many changes it has applied since activation.</summary>
[GenerateSerializer, Immutable, Alias("resonance.cell-status")]
public sealed record CellStatus
{
    [Id(0)] public int Members { get; init; }
    [Id(1)] public int Contributors { get; init; }
    [Id(2)] public long ChangesApplied { get; init; }
    [Id(3)] public long BatchesReceived { get; init; }
    [Id(4)] public long TileVersion { get; init; }
    [Id(5)] public int Observers { get; init; }
    [Id(6)] public Guid[] MemberIds { get; init; } = [];
}

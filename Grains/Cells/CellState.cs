namespace Resonance.Grains.Cells;

/// <summary>
/// Persisted part of a cell: the memory nodes contributing to its tile (its own and its neighbours'), so a reactivated
/// cell rebuilds its tile without asking anyone. Participants are not persisted: they re-stream within a tick.
/// </summary>
[GenerateSerializer, Alias("resonance.cell-state")]
public sealed class CellState
{
    [Id(0)] public Dictionary<Guid, NodeChange> Memory { get; set; } = [];
}

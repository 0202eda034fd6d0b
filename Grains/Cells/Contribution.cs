using Resonance.Grains.Field;

namespace Resonance.Grains.Cells;

/// <summary>One node's current contribution to a cell's tile, and whether the node lives in that cell.</summary>
internal struct Contribution(NodeChange state, bool isMember, DateTime seenUtc)
{
    public NodeChange State = state;
    public bool IsMember = isMember;
    public DateTime SeenUtc = seenUtc;

    public readonly FieldSource Source => new(State.X, State.Y, State.Strength, State.Phase);
}

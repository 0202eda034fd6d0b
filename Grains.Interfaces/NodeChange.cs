namespace Resonance.Grains;

[GenerateSerializer]
public enum NodeChangeOp : byte
{
    /// <summary>Add the node, or replace its previous contribution.</summary>
    Upsert = 0,
    /// <summary>Take the node's contribution away.</summary>
    Remove = 1,
    /// <summary>The node is alive but unchanged (keeps a silent participant from going stale).</summary>
    Touch = 2,
}

/// <summary>
/// What a cell needs to know of one node's change: enough to add its footprint and its partial sums, and the node's
/// phase-locked partners (so whichever cell evaluates the pair knows it is formed, even after the node changed cells).
/// A participant's frequency lets a cell advance its phase over ticks without a new sample.
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.node-change")]
public readonly record struct NodeChange(
    [property: Id(0)] Guid NodeId,
    [property: Id(1)] long Version,
    [property: Id(2)] NodeChangeOp Op,
    [property: Id(3)] NodeKind Kind,
    [property: Id(4)] double X,
    [property: Id(5)] double Y,
    [property: Id(6)] double Strength,
    [property: Id(7)] double Phase,
    [property: Id(8)] double Resonance,
    [property: Id(9)] Guid[]? Locked = null,
    [property: Id(10)] double Frequency = 0);

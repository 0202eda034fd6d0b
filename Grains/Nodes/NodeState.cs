namespace Resonance.Grains.Nodes;

/// <summary>Persisted state of a node grain (memory nodes are written; participants live in memory).</summary>
[GenerateSerializer, Alias("resonance.node-state")]
public sealed class NodeState
{
    [Id(0)] public NodeSnapshot? Snapshot { get; set; }
    /// <summary>Partners entangled by request (consent on both sides), by key.</summary>
    [Id(1)] public HashSet<Guid> Partners { get; set; } = [];
    /// <summary>Nodes this one asked to entangle with that have not asked back yet.</summary>
    [Id(2)] public HashSet<Guid> Requested { get; set; } = [];
    /// <summary>
    /// Partners entangled by phase locking (PLV), with their grain references. Kept apart from <see cref="Partners"/> so a
    /// pair whose phases drift apart never undoes an entanglement both users asked for.
    /// </summary>
    [Id(3)] public Dictionary<Guid, LockedPartner> Locked { get; set; } = [];
}

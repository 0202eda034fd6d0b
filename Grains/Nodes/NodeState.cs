namespace Resonance.Grains.Nodes;

/// <summary>Persisted state of a node grain (memory nodes are written; participants live in memory).</summary>
[GenerateSerializer, Alias("resonance.node-state")]
public sealed class NodeState
{
    [Id(0)] public NodeSnapshot? Snapshot { get; set; }
    /// <summary>Entangled partners (grain-to-grain references, by key).</summary>
    [Id(1)] public HashSet<Guid> Partners { get; set; } = [];
    /// <summary>Nodes this one asked to entangle with that have not asked back yet.</summary>
    [Id(2)] public HashSet<Guid> Requested { get; set; } = [];
}

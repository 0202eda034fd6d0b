namespace Resonance.Grains.Nodes;

/// <summary>Persisted state of a node grain (memory nodes are written; participants live in memory).</summary>
[GenerateSerializer, Alias("resonance.node-state")]
public sealed class NodeState
{
    [Id(0)] public NodeSnapshot? Snapshot { get; set; }
}

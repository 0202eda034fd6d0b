namespace Resonance.Grains.Nodes;

/// <summary>Persisted state of a node grain (memory nodes are written; participants live in memory).</summary>
[GenerateSerializer, Alias("resonance.node-state")]
public sealed class NodeState
{
    /// <summary>The node without its memory content (an earlier version kept the content here in plaintext; activation and the upgrade move it to <see cref="SealedContent"/>).</summary>
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
    /// <summary>A memory node's content, sealed under its owner's data key (Privacy/PayloadCipher; bound to the node id).</summary>
    [Id(4)] public byte[]? SealedContent { get; set; }
    /// <summary>True once the owner's <see cref="ISubjectGrain"/> lists this memory node.</summary>
    [Id(5)] public bool Indexed { get; set; }
}

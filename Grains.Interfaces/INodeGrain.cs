namespace Resonance.Grains;

/// <summary>One participant or memory node (key: node id).</summary>
public interface INodeGrain : IGrainWithGuidKey
{
    /// <summary>Applies a participant's streamed state in a space (joining it on first use). Throws ArgumentException on invalid input.</summary>
    Task UpdateParticipant(string space, ParticipantUpdate update);

    /// <summary>Keeps a participant alive without changing it.</summary>
    Task Touch();

    /// <summary>Creates or updates a memory node owned by <see cref="MemoryUpdate.Owner"/>.</summary>
    Task<NodeSnapshot> Crystallize(string space, MemoryUpdate update);

    /// <summary>Removes the node (a participant leaving, a memory node deleted) with its contribution.</summary>
    Task Remove();

    Task<NodeSnapshot?> GetSnapshot();
}

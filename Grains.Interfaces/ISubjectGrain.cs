namespace Resonance.Grains;

/// <summary>
/// One data subject (key: the user id that owns its participants, memory nodes and events): its preferences, the index
/// of its nodes, and its rights of access (<see cref="Export"/>) and erasure (<see cref="Erase"/>). Callers are
/// responsible for authenticating the subject.
/// </summary>
public interface ISubjectGrain : IGrainWithGuidKey
{
    public const int MaxExportEvents = 100_000;

    Task<SubjectPreferences> GetPreferences();

    /// <summary>Stores the preferences (durable when it returns) and applies them to the live participant at once.</summary>
    Task SetPreferences(SubjectPreferences preferences);

    /// <summary>Whether the subject takes part in the collective (false once erased). Read by its participant nodes on activation.</summary>
    [Orleans.Concurrency.AlwaysInterleave, Orleans.Concurrency.ReadOnly]
    Task<bool> IsCollective();

    /// <summary>
    /// Records the subject's participant node in a space (its pseudonym there), so preferences, export and erasure reach
    /// it. Durable when it returns; written only the first time. Throws InvalidOperationException once the subject is erased.
    /// </summary>
    Task JoinParticipant(Guid node, string space);

    /// <summary>
    /// Lists a refresh-token family of the subject before the family is started (durable when it returns), so erasure
    /// can revoke it. Throws InvalidOperationException once the subject is erased.
    /// </summary>
    Task AddTokenFamily(Guid family);

    /// <summary>Records a memory node of the subject (durable when it returns). Throws InvalidOperationException once the subject is erased.</summary>
    Task AddMemory(Guid node, string space);

    /// <summary>Forgets a deleted memory node (one-way: the node never waits on its subject).</summary>
    [Orleans.Concurrency.OneWay]
    Task RemoveMemory(Guid node);

    /// <summary>Ids of the subject's memory nodes.</summary>
    Task<Guid[]> GetMemoryNodes();

    Task<SubjectExport> Export();

    /// <summary>
    /// Erasure: shreds the subject's data key (every stored payload of it becomes unreadable, wherever it lies), removes its
    /// memory nodes from the field and from storage, ends its participants and pairs, revokes every refresh-token family,
    /// and records the subject as erased (no new data is accepted for it). Returns once all of that is durable. Idempotent.
    /// </summary>
    Task Erase();
}

namespace Resonance.Grains;

/// <summary>One participant or memory node (key: node id).</summary>
public interface INodeGrain : IGrainWithGuidKey
{
    /// <summary>Applies a participant's streamed state in a space (joining it on first use). Throws ArgumentException on invalid input.</summary>
    Task UpdateParticipant(string space, ParticipantUpdate update);

    /// <summary>Keeps a participant alive without changing it.</summary>
    Task Touch();

    /// <summary>
    /// Applies one gateway command for this participant in <paramref name="space"/> (see <see cref="ParticipantCommand"/>
    /// for the order). Throws ArgumentException or InvalidOperationException on an invalid update.
    /// </summary>
    Task Apply(string space, ParticipantCommand command);

    /// <summary>Creates or updates a memory node owned by <see cref="MemoryUpdate.Owner"/>.</summary>
    Task<NodeSnapshot> Crystallize(string space, MemoryUpdate update);

    /// <summary>
    /// Deletes a memory node on its owner's request: it leaves its cells (and so the field) and its stored state is
    /// cleared. Throws KeyNotFoundException when there is no live memory node, UnauthorizedAccessException when
    /// <paramref name="owner"/> is not its owner.
    /// </summary>
    Task Dissolve(Guid owner);

    /// <summary>Removes the node (a participant leaving, a memory node deleted) with its contribution.</summary>
    Task Remove();

    /// <summary>
    /// A gateway session ended: the participant leaves, unless a newer session (the user reconnected with the same id)
    /// has streamed it since.
    /// </summary>
    Task Leave(Guid session);

    Task<NodeSnapshot?> GetSnapshot();

    /// <summary>
    /// Erasure of the node (its subject's <see cref="ISubjectGrain.Erase"/>): it leaves the field, its pairs break, and a
    /// memory node's stored state is deleted. Does not call back into the subject.
    /// </summary>
    Task Erase();

    /// <summary>
    /// The subject's <see cref="SubjectPreferences.Collective"/> changed: a participant that opts out leaves the cells
    /// (the field's node sum, resonance, coherence, pairs) and its pairs break; opting in again rejoins them.
    /// </summary>
    Task SetCollective(bool collective);

    /// <summary>
    /// This (live participant) asks to entangle with <paramref name="target"/>. The pair forms when the target has asked
    /// for this node too (consent on both sides); otherwise the target's client is told of the request.
    /// Returns the resulting state. Throws KeyNotFoundException when the target is not a live participant of the same space.
    /// </summary>
    Task<EntanglementState> RequestEntanglement(Guid target);

    /// <summary>Breaks the pair with (or withdraws the request to) <paramref name="partner"/>.</summary>
    Task BreakEntanglement(Guid partner);

    /// <summary>Partner-side of <see cref="RequestEntanglement"/>: true when this node had asked for <paramref name="from"/> (the pair forms).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> OfferEntanglement(Guid from, string space);

    /// <summary>Partner-side of a break: forget <paramref name="from"/>.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task ForgetPartner(Guid from);

    /// <summary>Current partners of this node (by request or by phase locking).</summary>
    Task<Guid[]> GetPartners();

    /// <summary>
    /// Called by the cell that evaluates the pair on <paramref name="pair"/>.Node1 when a phase-locked pair forms or
    /// breaks: this node and its partner update their partner lists and the space is told (notices, phiHarmonics).
    /// Returns whether this node holds the lock afterwards: false for a forming lock that either side refused (left,
    /// stale, opted out, no room for another partner), so the cell need not report its break later.
    /// </summary>
    Task<bool> LockChanged(EntangledPair pair, bool formed);

    /// <summary>Partner side of a forming lock: true when this node is a live participant of <paramref name="space"/> (it keeps the lock).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> AcceptLock(Guid from, string space, string ratio, double strength);

    /// <summary>Partner side of a breaking lock: forget the phase-locked partner <paramref name="from"/>.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task ReleaseLock(Guid from);
}

namespace Resonance.Grains.Ledger;

/// <summary>A stored leaf: its index in its space's tree and its canonical input.</summary>
public readonly record struct StoredLeaf(long Index, byte[] LeafInput);

/// <summary>A leaf in the global commit sequence (what the Redis export follows).</summary>
public readonly record struct CommittedLeaf(long Seq, string Space, long Index, byte[] LeafInput);

/// <summary>
/// A leaf found by event id. <see cref="RowLeafInput"/> is rebuilt from the event's row as it is stored now (null once
/// retention dropped the row); a row changed after its commit rebuilds to a different input than <see cref="LeafInput"/>.
/// </summary>
public sealed record FoundLeaf(long Index, byte[] LeafInput, byte[]? RowLeafInput);

/// <summary>The leaves the event store appends in each commit (the same transaction as the events), read back by the log grains.</summary>
public interface ILedgerStore
{
    Task<IReadOnlyList<StoredLeaf>> ReadLeavesAsync(string space, long fromIndex, int limit, CancellationToken cancellationToken);

    /// <summary>Leaf <paramref name="index"/> of the space (event <paramref name="eventId"/>'s), with its event's row rebuilt if still stored; null if no such leaf.</summary>
    Task<FoundLeaf?> GetLeafAsync(string space, long index, Guid eventId, CancellationToken cancellationToken);

    Task<IReadOnlyList<CommittedLeaf>> ReadCommittedAsync(long afterSeq, int limit, CancellationToken cancellationToken);
}

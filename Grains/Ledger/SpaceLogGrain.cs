using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Resonance.Grains.Ledger;

/// <summary>
/// A space's log: the <see cref="MerkleTree"/> over its stored leaves, loaded on activation and caught up from the store
/// before every answer (leaves are appended by whichever silo commits, in the commit's transaction), so a checkpoint
/// always covers every event committed before the request. Nothing is kept but the cache: after a restart or the loss
/// of its silo the next activation rebuilds the same tree from the same leaves.
/// </summary>
public sealed partial class SpaceLogGrain(ILedgerStore store, CheckpointSigner signer, ILogger<SpaceLogGrain> logger) : Grain, ISpaceLogGrain
{
    private const int ReadBatch = 8192;
    private readonly MerkleTree _tree = new();
    // Event id -> leaf index, built while loading (the id is inside each leaf input), so the tables need no id index.
    private readonly Dictionary<Guid, long> _indexOf = [];

    private string Space => this.GetPrimaryKeyString();

    public async Task<LogCheckpoint> GetCheckpoint()
    {
        await CatchUpAsync();
        long size = _tree.Size;
        var root = _tree.RootHash(size);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new LogCheckpoint
        {
            Space = Space,
            TreeSize = size,
            RootHash = root,
            Timestamp = now,
            Signature = signer.Sign(Space, size, root, now),
            KeyId = signer.KeyId,
        };
    }

    public async Task<LogInclusionProof> GetInclusionProof(Guid eventId, long? treeSize)
    {
        await CatchUpAsync();
        var leaf = _indexOf.TryGetValue(eventId, out long index) ? await store.GetLeafAsync(Space, index, eventId, CancellationToken.None) : null;
        if (leaf is null) return new LogInclusionProof { Problem = LogProblem.NotFound, Message = $"The log of space '{Space}' has no event {eventId}." };
        long size = treeSize ?? _tree.Size;
        if (size > _tree.Size)
            return new LogInclusionProof { Problem = LogProblem.OutOfRange, Message = $"treeSize {size} is beyond the log's size {_tree.Size}." };
        if (leaf.Index >= size)
            return new LogInclusionProof { Problem = LogProblem.OutOfRange, Message = $"Event {eventId} is leaf {leaf.Index}, not inside a tree of {size} leaves." };
        if (!MerkleHash.Leaf(leaf.LeafInput).AsSpan().SequenceEqual(_tree.LeafHash(leaf.Index)))
            LogLeafChanged(Space, leaf.Index);
        if (leaf.RowLeafInput is { } row && !row.AsSpan().SequenceEqual(leaf.LeafInput))
            LogRowChanged(Space, leaf.Index, eventId);
        return new LogInclusionProof
        {
            LeafIndex = leaf.Index,
            TreeSize = size,
            // What is stored now, so a verifier holding a checkpoint notices a changed row.
            LeafInput = leaf.RowLeafInput ?? leaf.LeafInput,
            AuditPath = [.. _tree.InclusionProof(leaf.Index, size)],
            EventStored = leaf.RowLeafInput is not null,
        };
    }

    public async Task<LogConsistencyProof> GetConsistencyProof(long from, long? to)
    {
        await CatchUpAsync();
        long second = to ?? _tree.Size;
        if (second > _tree.Size)
            return new LogConsistencyProof { Problem = LogProblem.OutOfRange, Message = $"'to' ({second}) is beyond the log's size {_tree.Size}." };
        if (from < 0 || from > second)
            return new LogConsistencyProof { Problem = LogProblem.OutOfRange, Message = $"'from' ({from}) must be within [0, {second}]." };
        return new LogConsistencyProof { From = from, To = second, Proof = [.. _tree.ConsistencyProof(from, second)] };
    }

    private async Task CatchUpAsync()
    {
        while (true)
        {
            var leaves = await store.ReadLeavesAsync(Space, _tree.Size, ReadBatch, CancellationToken.None);
            foreach (var leaf in leaves)
            {
                // Indexes are assigned contiguously in the commit; a hole means the table was edited.
                if (leaf.Index != _tree.Size)
                    throw new InvalidOperationException($"The log of space '{Space}' has no leaf {_tree.Size} (next stored is {leaf.Index}).");
                _indexOf[LeafInput.EventIdOf(leaf.LeafInput)] = _tree.Size;
                _tree.AppendLeaf(leaf.LeafInput);
            }
            if (leaves.Count < ReadBatch) return;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log of space {Space}: the stored leaf {Index} no longer hashes to the leaf the tree was built from")]
    private partial void LogLeafChanged(string space, long index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log of space {Space}: the row of event {EventId} (leaf {Index}) differs from what was logged at its commit")]
    private partial void LogRowChanged(string space, long index, Guid eventId);
}

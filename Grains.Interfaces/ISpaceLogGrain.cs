namespace Resonance.Grains;

/// <summary>
/// A space's tamper-evident event log (key: space id): the RFC 9162 Merkle tree over the leaves the event store appended,
/// cached in memory and caught up from the store on every call, so any silo's commits are seen. Checkpoints are signed.
/// </summary>
public interface ISpaceLogGrain : IGrainWithStringKey
{
    Task<LogCheckpoint> GetCheckpoint();

    /// <summary>The inclusion proof of an event's leaf in the tree of <paramref name="treeSize"/> leaves (null: the current size).</summary>
    Task<LogInclusionProof> GetInclusionProof(Guid eventId, long? treeSize);

    /// <summary>The consistency proof between sizes <paramref name="from"/> and <paramref name="to"/> (null: the current size).</summary>
    Task<LogConsistencyProof> GetConsistencyProof(long from, long? to);
}

/// <summary>The key that signs every space's checkpoints (a stateless worker: each silo holds the same configured key).</summary>
public interface ILogKeyGrain : IGrainWithIntegerKey
{
    Task<LogPublicKey> GetPublicKey();
}

/// <summary>A signed tree head: the signature covers the bytes documented in docs/ledger.md.</summary>
[GenerateSerializer, Immutable, Alias("resonance.log-checkpoint")]
public sealed record LogCheckpoint
{
    [Id(0)] public string Space { get; init; } = "";
    [Id(1)] public long TreeSize { get; init; }
    [Id(2)] public byte[] RootHash { get; init; } = [];
    /// <summary>When it was signed, Unix milliseconds.</summary>
    [Id(3)] public long Timestamp { get; init; }
    [Id(4)] public byte[] Signature { get; init; } = [];
    [Id(5)] public string KeyId { get; init; } = "";
}

/// <summary>Why a proof could not be given; <see cref="None"/> when it was.</summary>
public enum LogProblem
{
    None,
    /// <summary>No leaf for that event in this space.</summary>
    NotFound,
    /// <summary>A requested size beyond the log's current size, or the leaf is not inside the requested size.</summary>
    OutOfRange,
}

[GenerateSerializer, Immutable, Alias("resonance.log-inclusion-proof")]
public sealed record LogInclusionProof
{
    [Id(0)] public LogProblem Problem { get; init; }
    [Id(1)] public string? Message { get; init; }
    [Id(2)] public long LeafIndex { get; init; }
    [Id(3)] public long TreeSize { get; init; }
    /// <summary>Rebuilt from the event's row as stored now; the logged input when retention has dropped the row.</summary>
    [Id(4)] public byte[] LeafInput { get; init; } = [];
    [Id(5)] public byte[][] AuditPath { get; init; } = [];
    /// <summary>False when the event's row is gone (retention): <see cref="LeafInput"/> is then the one kept in the log.</summary>
    [Id(6)] public bool EventStored { get; init; }
}

[GenerateSerializer, Immutable, Alias("resonance.log-consistency-proof")]
public sealed record LogConsistencyProof
{
    [Id(0)] public LogProblem Problem { get; init; }
    [Id(1)] public string? Message { get; init; }
    [Id(2)] public long From { get; init; }
    [Id(3)] public long To { get; init; }
    [Id(4)] public byte[][] Proof { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("resonance.log-public-key")]
public sealed record LogPublicKey
{
    [Id(0)] public string KeyId { get; init; } = "";
    [Id(1)] public string Algorithm { get; init; } = "";
    /// <summary>SubjectPublicKeyInfo, DER.</summary>
    [Id(2)] public byte[] PublicKey { get; init; } = [];
    [Id(3)] public string Pem { get; init; } = "";
}

namespace Resonance.Grains.Privacy;

/// <summary>A subject's stored data key: wrapped by master key <see cref="MasterKeyId"/>, or shredded (both null).</summary>
public readonly record struct StoredKey(string? MasterKeyId, byte[]? Wrapped)
{
    public bool Erased => Wrapped is null;
}

/// <summary>Where wrapped data keys live (with the rest of storage: the events database, or memory for a silo without one).</summary>
public interface ISubjectKeyStore
{
    /// <summary>Stored keys of those <paramref name="subjects"/> that have a row (live or shredded).</summary>
    Task<Dictionary<Guid, StoredKey>> ReadAsync(IReadOnlyCollection<Guid> subjects, CancellationToken cancellationToken);

    /// <summary>Stores each key unless its subject has a row already (a concurrent writer won, or the subject is erased).</summary>
    Task InsertAsync(IReadOnlyList<(Guid Subject, string MasterKeyId, byte[] Wrapped)> keys, CancellationToken cancellationToken);

    /// <summary>Replaces the subject's key by a tombstone; durable when it returns.</summary>
    Task ShredAsync(Guid subject, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> live keys wrapped by a master key other than <paramref name="activeId"/>.</summary>
    Task<List<(Guid Subject, string MasterKeyId, byte[] Wrapped)>> WrappedByOthersAsync(string activeId, int limit, CancellationToken cancellationToken);

    /// <summary>Rewraps one key, unless it changed meanwhile (shredded, or rewrapped by another silo).</summary>
    Task RewrapAsync(Guid subject, string fromId, string toId, byte[] wrapped, CancellationToken cancellationToken);

    /// <summary>Each master key id's check value seen so far.</summary>
    Task<Dictionary<string, byte[]>> MasterChecksAsync(CancellationToken cancellationToken);

    Task AddMasterCheckAsync(string id, byte[] check, CancellationToken cancellationToken);
}

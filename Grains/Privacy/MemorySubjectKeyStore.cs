using System.Collections.Concurrent;

namespace Resonance.Grains.Privacy;

/// <summary>The key store of a silo without an events database (test clusters with in-memory grain state): keys live as long as the process.</summary>
public sealed class MemorySubjectKeyStore : ISubjectKeyStore
{
    /// <summary>One per process, with <see cref="MasterKeyRing.Ephemeral"/>: the silos of a test cluster share it like they share memory grain storage.</summary>
    public static MemorySubjectKeyStore Shared { get; } = new();

    private readonly ConcurrentDictionary<Guid, StoredKey> _keys = new();
    private readonly ConcurrentDictionary<string, byte[]> _checks = new();

    public Task<Dictionary<Guid, StoredKey>> ReadAsync(IReadOnlyCollection<Guid> subjects, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, StoredKey>();
        foreach (var s in subjects)
            if (_keys.TryGetValue(s, out var k)) found[s] = k;
        return Task.FromResult(found);
    }

    public Task InsertAsync(IReadOnlyList<(Guid Subject, string MasterKeyId, byte[] Wrapped)> keys, CancellationToken cancellationToken)
    {
        foreach (var (s, id, w) in keys) _keys.TryAdd(s, new StoredKey(id, w));
        return Task.CompletedTask;
    }

    public Task ShredAsync(Guid subject, CancellationToken cancellationToken)
    {
        _keys[subject] = new StoredKey(null, null);
        return Task.CompletedTask;
    }

    public Task<List<(Guid Subject, string MasterKeyId, byte[] Wrapped)>> WrappedByOthersAsync(string activeId, int limit, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.Where(k => !k.Value.Erased && k.Value.MasterKeyId != activeId).Take(limit)
            .Select(k => (k.Key, k.Value.MasterKeyId!, k.Value.Wrapped!)).ToList());

    public Task RewrapAsync(Guid subject, string fromId, string toId, byte[] wrapped, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(subject, out var k) && k.MasterKeyId == fromId) _keys.TryUpdate(subject, new StoredKey(toId, wrapped), k);
        return Task.CompletedTask;
    }

    public Task<Dictionary<string, byte[]>> MasterChecksAsync(CancellationToken cancellationToken) => Task.FromResult(_checks.ToDictionary());

    public Task AddMasterCheckAsync(string id, byte[] check, CancellationToken cancellationToken)
    {
        _checks.TryAdd(id, check);
        return Task.CompletedTask;
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Resonance.Grains.Privacy;

/// <summary>
/// Subjects' data keys for sealing and opening personal payloads, over an <see cref="ISubjectKeyStore"/>: a subject's
/// key is created (random, wrapped by the active master key) on its first payload, and kept unwrapped in memory while in
/// use (bounded, idle ones expire), so the hot path is a dictionary lookup. Erasure shreds the stored key and forgets
/// the cached one; a subject whose key is shredded gets no new one.
/// </summary>
public sealed partial class SubjectKeys : IDisposable
{
    private readonly ISubjectKeyStore _store;
    private readonly MasterKeyRing _ring;
    private readonly PrivacyOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, DataKey> _cache = new();
    private readonly Timer _sweep;

    public SubjectKeys(ISubjectKeyStore store, MasterKeyRing ring, PrivacyOptions options, ILogger<SubjectKeys> logger)
    {
        _store = store;
        _ring = ring;
        _options = options;
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, options.DataKeyCacheTtl.Ticks / 4));
        _sweep = new Timer(_ => Sweep(), null, period, period);
    }

    public MasterKeyRing Ring => _ring;

    /// <summary>Data keys cached in this process (for tests and metrics).</summary>
    public int Cached => _cache.Count;

    /// <summary>
    /// Checks that each configured master key is the one the store was written with (a changed key under the same id
    /// would make every key it wrapped unreadable), then rewraps every data key still wrapped by another master key.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var checks = await _store.MasterChecksAsync(cancellationToken);
        foreach (var id in _ring.Ids)
        {
            if (checks.TryGetValue(id, out var check))
            {
                if (!_ring.Verifies(id, check))
                    throw new InvalidOperationException($"Master key '{id}' differs from the key of that id this database was written with; refusing to start (configure the original key).");
            }
            else await _store.AddMasterCheckAsync(id, _ring.Check(id), cancellationToken);
        }
        int rewrapped = await RewrapAsync(cancellationToken);
        if (rewrapped > 0) LogRewrapped(rewrapped, _ring.ActiveId);
    }

    /// <summary>Moves every live data key to the active master key; returns how many moved. Keys whose master key is not configured are left (and reported).</summary>
    public async Task<int> RewrapAsync(CancellationToken cancellationToken)
    {
        int moved = 0;
        var missing = new HashSet<string>();
        while (true)
        {
            var batch = await _store.WrappedByOthersAsync(_ring.ActiveId, 1000, cancellationToken);
            var movable = batch.Where(k => _ring.Has(k.MasterKeyId)).ToList();
            foreach (var k in batch.Where(k => !_ring.Has(k.MasterKeyId))) missing.Add(k.MasterKeyId);
            if (movable.Count == 0) break;
            foreach (var (subject, from, wrapped) in movable)
            {
                var key = _ring.Unwrap(from, subject, wrapped);
                await _store.RewrapAsync(subject, from, _ring.ActiveId, _ring.Wrap(subject, key), cancellationToken);
                CryptographicOperations.ZeroMemory(key);
                moved++;
            }
        }
        foreach (var id in missing) LogMissingMaster(id);
        return moved;
    }

    /// <summary>The subject's key, created when it has none; null when the subject is erased.</summary>
    public async ValueTask<DataKey?> GetOrCreateAsync(Guid subject, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(subject, out var key)) return key;
        var keys = await GetOrCreateAsync([subject], cancellationToken);
        return keys.GetValueOrDefault(subject);
    }

    /// <summary>Keys of the given subjects, created where missing; erased subjects are absent from the result.</summary>
    public async ValueTask<Dictionary<Guid, DataKey>> GetOrCreateAsync(IReadOnlyCollection<Guid> subjects, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<Guid, DataKey>(subjects.Count);
        List<Guid>? missing = null;
        foreach (var s in subjects)
        {
            if (_cache.TryGetValue(s, out var k)) result[s] = k;
            else (missing ??= []).Add(s);
        }
        if (missing is null) return result;

        var stored = await _store.ReadAsync(missing, cancellationToken);
        var fresh = missing.Where(s => !stored.ContainsKey(s)).ToList();
        if (fresh.Count > 0)
        {
            var created = fresh.Select(s =>
            {
                var raw = RandomNumberGenerator.GetBytes(DataKey.Size);
                var wrapped = _ring.Wrap(s, raw);
                CryptographicOperations.ZeroMemory(raw);
                return (s, _ring.ActiveId, wrapped);
            }).ToList();
            await _store.InsertAsync(created, cancellationToken);
            // Read back: a concurrent writer (another silo) may have stored its key first, and that one is the key.
            foreach (var (s, k) in await _store.ReadAsync(fresh, cancellationToken)) stored[s] = k;
        }
        foreach (var s in missing)
            if (stored.TryGetValue(s, out var k) && FromStored(s, k) is { } key) result[s] = key;
        return result;
    }

    /// <summary>The subject's key if it has a live one (never creates).</summary>
    public async ValueTask<DataKey?> GetAsync(Guid subject, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(subject, out var key)) return key;
        var stored = await _store.ReadAsync([subject], cancellationToken);
        return stored.TryGetValue(subject, out var k) ? FromStored(subject, k) : null;
    }

    /// <summary>The key a query read along with its rows (no extra round trip); null when shredded.</summary>
    public DataKey? FromStored(Guid subject, StoredKey stored)
    {
        if (stored.Erased) return null;
        if (_cache.TryGetValue(subject, out var cached)) return cached;
        var raw = _ring.Unwrap(stored.MasterKeyId!, subject, stored.Wrapped!);
        var key = new DataKey(subject, raw);
        CryptographicOperations.ZeroMemory(raw);
        key = _cache.GetOrAdd(subject, key);
        if (_cache.Count > _options.DataKeyCacheSize) Trim();
        return key;
    }

    /// <summary>Shreds the subject's data key (durable when this returns) and forgets it here.</summary>
    public async Task ShredAsync(Guid subject, CancellationToken cancellationToken = default)
    {
        await _store.ShredAsync(subject, cancellationToken);
        _cache.TryRemove(subject, out _);
    }

    /// <summary>Forgets a cached key without touching the store (another silo shredded it).</summary>
    public void Forget(Guid subject) => _cache.TryRemove(subject, out _);

    private void Sweep()
    {
        long idle = (long)_options.DataKeyCacheTtl.TotalMilliseconds;
        long now = Environment.TickCount64;
        // Evicted keys are not disposed: a writer may still hold one; the finalizer frees it.
        foreach (var (s, k) in _cache)
            if (now - Volatile.Read(ref k.LastUsed) > idle) _cache.TryRemove(s, out _);
    }

    private void Trim()
    {
        Sweep();
        int excess = _cache.Count - _options.DataKeyCacheSize * 9 / 10;
        if (excess <= 0) return;
        foreach (var (s, _) in _cache.OrderBy(k => k.Value.LastUsed).Take(excess)) _cache.TryRemove(s, out _);
    }

    public void Dispose() => _sweep.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Rewrapped {Count} data keys with master key {MasterKeyId}")]
    private partial void LogRewrapped(int count, string masterKeyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data keys wrapped by master key {MasterKeyId} cannot be rewrapped: that key is not configured")]
    private partial void LogMissingMaster(string masterKeyId);
}

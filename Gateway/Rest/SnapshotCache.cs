namespace Resonance.Gateway.Rest;

/// <summary>
/// Rendered field snapshots, keyed by everything that determines their bytes (space, field version, viewport, size,
/// format), so a hit is never stale. LRU, bounded by total bytes, with a time-to-live. Thread-safe.
/// </summary>
public sealed class SnapshotCache(long capacityBytes, TimeSpan ttl)
{
    public readonly record struct Key(string Space, long MirrorVersion, long TickSeq, string Viewport, string Format);

    private sealed record Entry(Key Key, byte[] Bytes, string ContentType, long ExpiresAt);

    private readonly Dictionary<Key, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new();
    private readonly Lock _lock = new();
    private long _bytes, _hits, _misses;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
    public long Bytes { get { lock (_lock) return _bytes; } }
    public int Count { get { lock (_lock) return _map.Count; } }

    public bool TryGet(Key key, out byte[] bytes, out string contentType)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node) && node.Value.ExpiresAt > Environment.TickCount64)
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                bytes = node.Value.Bytes;
                contentType = node.Value.ContentType;
                _hits++;
                return true;
            }
            if (node is not null) RemoveLocked(node);
            _misses++;
        }
        bytes = [];
        contentType = "";
        return false;
    }

    public void Put(Key key, byte[] bytes, string contentType)
    {
        if (bytes.Length > capacityBytes) return;
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var old)) RemoveLocked(old);
            var node = _lru.AddFirst(new Entry(key, bytes, contentType, Environment.TickCount64 + (long)ttl.TotalMilliseconds));
            _map[key] = node;
            _bytes += bytes.Length;
            while (_bytes > capacityBytes && _lru.Last is { } last) RemoveLocked(last);
        }
    }

    private void RemoveLocked(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Key);
        _bytes -= node.Value.Bytes.Length;
    }
}

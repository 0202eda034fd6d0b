namespace Resonance.Gateway.Sessions;

/// <summary>
/// A session's waiting messages of one kind, in order: a ring that starts at four slots when first used and doubles as
/// needed. Most sessions hold none or one, so an idle session costs no array (a concurrent queue's first segment is
/// 32 slots, ~0.8 KB, per queue per session). Once a burst has drained, its grown array is let go, so a session keeps
/// no more than a few slots for the rest of its life. Not thread-safe: its owner guards it.
/// </summary>
public struct MessageRing
{
    private const int InitialSlots = 4;
    private OutboundMessage?[]? _items;
    private int _head;

    public int Count { readonly get; private set; }

    /// <summary>The slots held now: 0 before the first message and after a grown ring drained.</summary>
    public readonly int Capacity => _items?.Length ?? 0;

    public void Enqueue(OutboundMessage message)
    {
        if (_items is null) _items = new OutboundMessage?[InitialSlots];
        else if (Count == _items.Length) Grow();
        _items[(_head + Count) % _items.Length] = message;
        Count++;
    }

    public bool TryDequeue(out OutboundMessage message)
    {
        if (Count == 0)
        {
            message = null!;
            return false;
        }
        message = _items![_head]!;
        _items[_head] = null;
        _head = (_head + 1) % _items.Length;
        Count--;
        if (Count == 0 && _items.Length > InitialSlots)
        {
            _items = null;
            _head = 0;
        }
        return true;
    }

    private void Grow()
    {
        var larger = new OutboundMessage?[_items!.Length * 2];
        for (int k = 0; k < Count; k++) larger[k] = _items[(_head + k) % _items.Length];
        _items = larger;
        _head = 0;
    }
}

namespace Resonance.Gateway.Spaces;

/// <summary>
/// A set read far more often than it changes, without a lock or an allocation: a hub's sessions, walked by every
/// broadcast. Members live in slots of one array: a newcomer is appended, a leaver's slot is emptied, and the array is
/// rebuilt only when it is full or half empty. A space whose sessions come and go all the time (a crowd arriving,
/// clients reconnecting, a flood) so no longer copies its whole membership on every tick that follows a change
/// (docs/benchmarks.md, "Hostile clients without garbage").
/// </summary>
public sealed class SlotSet<T> where T : class
{
    private readonly Lock _gate = new();
    // Slot of each member in _members' array (under _gate).
    private readonly Dictionary<T, int> _slots = [];
    private Slots _members = new(16);
    private int _holes;
    // _slots.Count, mirrored for readers without the lock (a broadcast reads it on every tick).
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool Add(T member)
    {
        lock (_gate)
        {
            if (_slots.ContainsKey(member)) return false;
            var members = _members;
            if (members.Used == members.Items.Length) members = Rebuild(Math.Max(16, 2 * _slots.Count + 1));
            _slots[member] = members.Used;
            Volatile.Write(ref _count, _slots.Count);
            members.Items[members.Used] = member;
            // Published after the slot is filled: a reader that sees the new count sees the member.
            Volatile.Write(ref members.Used, members.Used + 1);
            return true;
        }
    }

    public bool Remove(T member)
    {
        lock (_gate)
        {
            if (!_slots.Remove(member, out int slot)) return false;
            Volatile.Write(ref _count, _slots.Count);
            Volatile.Write(ref _members.Items[slot], null);
            // Half the used slots empty: compact, so a broadcast does not walk mostly holes.
            if (++_holes > 16 && _holes > _members.Used / 2) Rebuild(Math.Max(16, 2 * _slots.Count));
            return true;
        }
    }

    /// <summary>
    /// The members as of now, read without a lock: one added later may or may not be in it, and one removed since may
    /// still be (for a hub: an offer to a closed session is a no-op).
    /// </summary>
    public SlotView<T> Snapshot()
    {
        var members = Volatile.Read(ref _members);
        return new SlotView<T>(members.Items, Volatile.Read(ref members.Used));
    }

    // A new array of the members in slot order, holes dropped (under _gate). Readers of the old one keep reading it.
    private Slots Rebuild(int capacity)
    {
        var old = _members;
        var fresh = new Slots(capacity);
        for (int i = 0; i < old.Used; i++)
        {
            var s = old.Items[i];
            if (s is null) continue;
            _slots[s] = fresh.Used;
            fresh.Items[fresh.Used++] = s;
        }
        _holes = 0;
        Volatile.Write(ref _members, fresh);
        return fresh;
    }

    private sealed class Slots(int capacity)
    {
        public readonly T?[] Items = new T?[capacity];
        // Slots [0, Used) have been filled (some emptied since); only grows until the array is replaced.
        public int Used;
    }
}

namespace Resonance.Gateway.Spaces;

/// <summary>
/// Members read from a <see cref="SlotSet{T}"/>: slots <c>[0, Slots)</c> of an array, some of them empty (null). A
/// struct over the set's own array, so reading it allocates nothing.
/// </summary>
public readonly struct SlotView<T>(T?[] items, int slots) where T : class
{
    private readonly T?[] _items = items;

    /// <summary>Slots to walk, empty ones included (for splitting work; not a count of members).</summary>
    public int Slots { get; } = slots;

    /// <summary>The member in slot <paramref name="i"/>, or null for an empty slot.</summary>
    public T? this[int i] => _items[i];

    public Enumerator GetEnumerator() => new(this);

    /// <summary>The members, copied (for diagnostics and tests).</summary>
    public List<T> ToList()
    {
        var list = new List<T>(Slots);
        foreach (var s in this) list.Add(s);
        return list;
    }

    public struct Enumerator(SlotView<T> view)
    {
        private int _i = -1;
        private T? _current;

        public readonly T Current => _current!;

        public bool MoveNext()
        {
            while (++_i < view.Slots)
            {
                _current = view[_i];
                if (_current is not null) return true;
            }
            return false;
        }
    }
}

namespace Resonance.Grains.Spaces;

/// <summary>
/// The entangled pairs of a space, keyed by their two nodes. A pair may be entangled both by request and by phase
/// locking; it is listed once (the explicit entry wins), and phase locking coming and going never removes an explicit
/// pair. Notices follow what the users see: "formed" when the pair appears or an explicit request completes, "broken"
/// when it is gone altogether. Reports repeat (both partners may report; cells re-send) and change nothing the second time.
/// </summary>
public sealed class PairBook
{
    private readonly Dictionary<(Guid, Guid), (EntangledPair? Explicit, EntangledPair? Plv)> _pairs = [];

    public int Count => _pairs.Count;

    /// <summary>Applies a change and appends the notices it causes to <paramref name="notices"/>.</summary>
    public void Apply(EntangledPair pair, bool formed, List<EntanglementNotice> notices)
    {
        var key = (pair.Node1, pair.Node2);
        _pairs.TryGetValue(key, out var entry);
        bool before = entry.Explicit is not null || entry.Plv is not null;
        bool wasExplicit = entry.Explicit is not null;
        if (pair.IsExplicit) entry.Explicit = formed ? pair : null;
        else entry.Plv = formed ? pair : null;
        bool after = entry.Explicit is not null || entry.Plv is not null;
        if (after) _pairs[key] = entry;
        else _pairs.Remove(key);

        bool notify = formed ? !before || (pair.IsExplicit && !wasExplicit) : before && !after;
        if (!notify) return;
        var state = formed ? EntanglementState.Formed : EntanglementState.Broken;
        notices.Add(new EntanglementNotice(pair.Node1, pair.Node2, state, pair.Strength));
        notices.Add(new EntanglementNotice(pair.Node2, pair.Node1, state, pair.Strength));
    }

    /// <summary>The pairs as listed in phiHarmonics (one per node pair).</summary>
    public EntangledPair[] ToArray()
    {
        if (_pairs.Count == 0) return [];
        var list = new EntangledPair[_pairs.Count];
        int k = 0;
        foreach (var (explicitPair, plv) in _pairs.Values) list[k++] = explicitPair ?? plv!.Value;
        return list;
    }
}

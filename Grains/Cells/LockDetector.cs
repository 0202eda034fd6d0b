using System.Runtime.InteropServices;
using Resonance.Grains.Entanglement;

namespace Resonance.Grains.Cells;

/// <summary>
/// A cell's phase-locking detection. Every tick it samples the phase of every participant the cell holds — its members
/// and the neighbours' participants the routers send it for its tile — into per-node histories, so both sides of a
/// candidate pair are sampled by the same cell at the same instant and no extra grain call is needed. It evaluates the
/// pairs this cell is responsible for (the smaller id is a member; see <see cref="CandidatePairs"/>) and returns the
/// pairs that form or break. Whether a pair is formed comes from this cell's own last decision or, when it has none
/// (the smaller node just moved in, the cell was reactivated), from the partner lists the nodes send with every change.
/// A forming lock that the nodes refused (<see cref="Refused"/>) stays formed here, for the hysteresis, but its break is
/// not reported: nobody holds it. A lock that a node's last partner list shows it has no room for (<c>maxPartners</c>)
/// counts as refused at once, without asking: in a dense space most nodes are full, and their pairs keep re-forming.
/// </summary>
internal sealed class LockDetector(PhaseLocking locking, double radius, int maxPairs = int.MaxValue, long maxChecks = long.MaxValue,
    int maxPartners = int.MaxValue, double tickHz = 10)
{
    // Radians per tick per hertz: a held sample advances at the participant's own frequency (see PhaseHistory.Record).
    private readonly double _advancePerHz = 2 * Math.PI / tickHz;

    private readonly HashSet<Guid> _scanned = [];
    private int _cursor;
    private readonly Dictionary<Guid, PhaseTrack> _tracks = [];
    // Histories of participants that left, reused for the next newcomer (where nodes move, they come and go every tick).
    private readonly Stack<PhaseHistory> _spareHistories = new();
    private const int MaxSpareHistories = 64;
    // Tracks of participants that left, reused for those that come: a participant crossing cells otherwise leaves a new
    // young track in this old dictionary at every crossing, which each young collection finds and promotes.
    private readonly Stack<PhaseTrack> _spareTracks = new();
    private const int MaxSpareTracks = 64;
    private readonly Dictionary<(Guid, Guid), Decision> _decided = [];
    private readonly HashSet<(Guid, Guid)> _seen = [];
    private readonly List<TrackedPhase> _members = [];
    private readonly List<TrackedPhase> _held = [];
    // The partner lists the nodes sent, aligned with _members and _held (so a reading needs no dictionary lookup).
    private readonly List<Guid[]?> _memberLocked = [];
    private readonly List<Guid[]?> _heldLocked = [];
    private readonly List<PairReading> _readings = [];
    private readonly List<(Guid, Guid)> _expired = [];
    private readonly HashSet<Guid> _inFormedPair = [];
    // The tick of the last Sample: a history left unwritten is held through it before this tick's sample is recorded.
    private long _previousTick = long.MinValue;
    // The last tick that came a whole window or more after the one before it (where PhaseHistory.Record starts over).
    private long _restartTick = long.MinValue;

    public PhaseLocking Locking => locking;

    /// <summary>Pairs whose PLV was computed at the last tick.</summary>
    public int Evaluated { get; private set; }

    /// <summary>Participants whose phase this cell tracks.</summary>
    public int Tracked => _tracks.Count;

    /// <summary>Of those, the ones with a full history (they could be candidates at some point).</summary>
    public int WithHistory
    {
        get
        {
            int n = 0;
            foreach (var t in _tracks.Values) if (t.History is not null) n++;
            return n;
        }
    }

    public void Tick(long tick, Dictionary<Guid, Contribution> contributions, List<(EntangledPair Pair, bool Formed)> changes)
    {
        Sample(tick, contributions);
        _readings.Clear();
        int start = _members.Count == 0 ? 0 : _cursor % _members.Count;
        Evaluated = CandidatePairs.Scan(CollectionsMarshal.AsSpan(_members), CollectionsMarshal.AsSpan(_held), radius, tick, locking, _readings,
            start, maxPairs, maxChecks, out int scanned);
        _cursor = start + scanned;
        _scanned.Clear();
        for (int k = 0; k < scanned; k++) _scanned.Add(_members[(start + k) % _members.Count].Id);

        _seen.Clear();
        foreach (var r in _readings)
        {
            var a = _members[r.Member];
            var b = _held[r.Other];
            var key = (a.Id, b.Id);
            bool known = _decided.TryGetValue(key, out var decision);
            bool formed = known ? decision.Formed : Lists(_memberLocked[r.Member], b.Id) || Lists(_heldLocked[r.Other], a.Id);
            // Only pairs with a decision or on a node's list are ever looked up in _seen (BreakUnseen): most readings are neither.
            if (!r.Evaluated)
            {
                if (known || formed) _seen.Add(key);
                if (known) _decided[key] = decision with { Tick = tick };
                continue;
            }
            bool next = locking.NextLocked(formed, r.Plv);
            if (known || formed || next) _seen.Add(key);
            if (next && !formed && (Full(_memberLocked[r.Member], b.Id) || Full(_heldLocked[r.Other], a.Id)))
            {
                _decided[key] = new Decision(true, tick, Since: tick, Held: false);
                continue;
            }
            if (next != formed && (next || !known || decision.Held))
                changes.Add((EntangledPair.Create(a.Id, b.Id, locking.Ratios[r.RatioIndex].ToString(), r.Plv, EntangledPair.PlvType), next));
            if (next == formed && known) _decided[key] = decision with { Tick = tick };
            else if (next || known) _decided[key] = new Decision(next, tick, Since: tick);
        }

        BreakUnseen(tick, contributions, changes);
        Expire(tick);
    }

    /// <summary>
    /// Records every held participant's current phase as this tick's sample (a participant that cannot be a candidate and
    /// sent nothing new is caught up later instead); drops histories of nodes no longer held. Only
    /// participants that can take part in a reading this tick become candidates: those with enough fresh samples to be
    /// evaluated, and those in a pair this cell holds as formed (their pair must stay in view, or it would break). A
    /// dense cell of participants streaming slower than the window needs (the existing app's 0.5 Hz) then scans nothing.
    /// </summary>
    private void Sample(long tick, Dictionary<Guid, Contribution> contributions)
    {
        _members.Clear();
        _held.Clear();
        _memberLocked.Clear();
        _heldLocked.Clear();
        _inFormedPair.Clear();
        foreach (var (key, decision) in _decided)
        {
            if (!decision.Formed) continue;
            _inFormedPair.Add(key.Item1);
            _inFormedPair.Add(key.Item2);
        }
        int participants = 0;
        foreach (var (id, c) in contributions)
        {
            if (c.State.Kind != NodeKind.Participant) continue;
            participants++;
            if (!_tracks.TryGetValue(id, out var track)) _tracks[id] = track = _spareTracks.TryPop(out var spare) ? spare : new PhaseTrack();
            // A sample is fresh when the node sent something since the last one (touches keep the version).
            bool fresh = track.SourceVersion != c.State.Version;
            track.SourceVersion = c.State.Version;
            bool involved = c.State.Locked is { Length: > 0 } || _inFormedPair.Contains(id);
            double advance = c.State.Frequency * _advancePerHz;
            var history = track.History;
            if (history is null)
            {
                // Not a candidate so far: only its fresh samples are kept, until it can be one (PhaseTrack).
                if (!involved)
                {
                    if (!fresh) continue;
                    if (track.FreshWithin(tick, locking.Window) + 1 < locking.MinFreshSamples)
                    {
                        track.Keep(_previousTick, _restartTick, tick, c.State.Phase, advance, locking.Window);
                        continue;
                    }
                }
                history = track.Materialize(NewHistory());
            }
            // Fewer fresh samples than a reading needs and nothing new: not a candidate this tick, and its held samples
            // are needed only once it can be one. They are written then (HoldThrough), as if written every tick, so a
            // participant whose stream slowed down costs no history writes while nothing arrives.
            else if (!fresh && !involved && history.FreshCount < locking.MinFreshSamples) continue;
            history.HoldThrough(_previousTick, _restartTick);
            history.Record(tick, c.State.Phase, fresh, advance);
            if (history.FreshCount < locking.MinFreshSamples && !involved) continue;
            var tracked = new TrackedPhase(id, c.State.X, c.State.Y, history);
            _held.Add(tracked);
            _heldLocked.Add(c.State.Locked);
            if (!c.IsMember) continue;
            _members.Add(tracked);
            _memberLocked.Add(c.State.Locked);
        }
        // A jump of a whole window (a stalled timer or silo) starts every history written now over; those caught up
        // later start over here too.
        if (_previousTick != long.MinValue && tick - _previousTick - 1 >= locking.Window) _restartTick = tick;
        _previousTick = tick;
        if (_tracks.Count == participants) return;
        _expired.Clear();
        foreach (var id in _tracks.Keys)
            if (!contributions.TryGetValue(id, out var c) || c.State.Kind != NodeKind.Participant) _expired.Add((id, id));
        foreach (var (id, _) in _expired)
        {
            if (!_tracks.Remove(id, out var gone)) continue;
            if (gone.History is { } h && _spareHistories.Count < MaxSpareHistories) _spareHistories.Push(h);
            gone.Reset();
            if (_spareTracks.Count < MaxSpareTracks) _spareTracks.Push(gone);
        }
    }

    /// <summary>
    /// Formed pairs this cell answers for that were not candidates this tick have moved apart (or a side is gone): they
    /// break. A member's listed partner that this cell does not hold at all is farther than the radius (the cell holds
    /// everything within it), so that pair breaks too, whichever side answers for it — breaks are idempotent.
    /// </summary>
    private void BreakUnseen(long tick, Dictionary<Guid, Contribution> contributions, List<(EntangledPair Pair, bool Formed)> changes)
    {
        _expired.Clear();
        foreach (var (key, decision) in _decided)
        {
            if (!decision.Formed || _seen.Contains(key)) continue;
            bool isMember = contributions.TryGetValue(key.Item1, out var owner) && owner.IsMember;
            // A member whose turn it was not this tick (dense cell, rotating scan) keeps its pairs as they are.
            if (isMember && !_scanned.Contains(key.Item1)) continue;
            if (isMember && decision.Held)
                changes.Add((EntangledPair.Create(key.Item1, key.Item2, "", 0, EntangledPair.PlvType), false));
            // Not a member any more: the cell it moved to takes over (it reads the pair from the node's partner list).
            _expired.Add(key);
        }
        foreach (var key in _expired)
            if (contributions.TryGetValue(key.Item1, out var owner) && owner.IsMember) _decided[key] = new Decision(false, tick, Since: tick);
            else _decided.Remove(key);

        for (int k = 0; k < _members.Count; k++)
        {
            var m = _members[k];
            if (_memberLocked[k] is not { Length: > 0 } partners || !_scanned.Contains(m.Id)) continue;
            foreach (var p in partners)
            {
                var key = m.Id.CompareTo(p) < 0 ? (m.Id, p) : (p, m.Id);
                if (_seen.Contains(key)) continue;
                bool held = contributions.ContainsKey(p);
                if (key.Item1 != m.Id && held) continue; // the partner's cell answers for it
                if (_decided.TryGetValue(key, out var decision))
                {
                    // Already broken here; the node's list lags behind. Keep the decision alive while it does.
                    _decided[key] = decision with { Tick = tick };
                    if (!decision.Formed) continue;
                }
                changes.Add((EntangledPair.Create(key.Item1, key.Item2, "", 0, EntangledPair.PlvType), false));
                _decided[key] = new Decision(false, tick, Since: tick);
            }
        }
    }

    /// <summary>Decisions untouched for a whole window are forgotten (the pair left this cell's care).</summary>
    private void Expire(long tick)
    {
        _expired.Clear();
        foreach (var (key, decision) in _decided)
            if (decision.Tick < tick - locking.Window) _expired.Add(key);
        foreach (var key in _expired) _decided.Remove(key);
    }

    /// <summary>
    /// The nodes refused the lock of (<paramref name="node1"/>, <paramref name="node2"/>) that this cell decided formed at
    /// <paramref name="since"/>: it stays formed for the hysteresis, and its break goes unreported. Ignored when the
    /// decision has changed since.
    /// </summary>
    public void Refused(Guid node1, Guid node2, long since)
    {
        var key = (node1, node2);
        if (_decided.TryGetValue(key, out var decision) && decision.Formed && decision.Since == since)
            _decided[key] = decision with { Held = false };
    }

    private PhaseHistory NewHistory()
    {
        if (!_spareHistories.TryPop(out var history)) return locking.NewHistory();
        history.Clear();
        return history;
    }

    private bool Full(Guid[]? partners, Guid other) => partners is { } p && p.Length >= maxPartners && Array.IndexOf(p, other) < 0;

    private static bool Lists(Guid[]? partners, Guid other) => partners is { Length: > 0 } && Array.IndexOf(partners, other) >= 0;

    /// <summary>
    /// A pair's state as this cell decided it: formed or not, last touched at <see cref="Tick"/>, decided at
    /// <see cref="Since"/>; <see cref="Held"/> is false once the nodes refused a formed lock.
    /// </summary>
    private readonly record struct Decision(bool Formed, long Tick, long Since, bool Held = true);
}

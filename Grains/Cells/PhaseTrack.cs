using Resonance.Grains.Entanglement;

namespace Resonance.Grains.Cells;

/// <summary>
/// One participant's phase input as a cell's <see cref="LockDetector"/> keeps it. While the participant cannot be a lock
/// candidate (fewer fresh samples in the window than a reading needs, and no lock to keep in view) only its few fresh
/// samples are kept, as the history writes they stand for; a full <see cref="PhaseHistory"/> (W x P complex powers,
/// about a kilobyte) is built from them, exactly as if it had been written all along, once the participant can be one.
/// In a dense space of slow streams (the existing app sends every 2 s) nobody ever needs the full history.
/// </summary>
internal sealed class PhaseTrack
{
    private Write[] _writes = [];
    private int _count;

    /// <summary>The node version last sampled (a new version is a fresh sample).</summary>
    public long SourceVersion = long.MinValue;

    /// <summary>The full history, once the participant could be a candidate; null while only its writes are kept.</summary>
    public PhaseHistory? History { get; private set; }

    /// <summary>Fresh samples kept (bounded: those a later window can reach).</summary>
    public int Kept => _count;

    /// <summary>Fresh samples kept that fall in the window ending at <paramref name="tick"/>.</summary>
    public int FreshWithin(long tick, int window)
    {
        int n = 0;
        for (int k = 0; k < _count; k++)
            if (_writes[k].Tick > tick - window) n++;
        return n;
    }

    /// <summary>
    /// Keeps the fresh sample of <paramref name="tick"/>, which a full history would have written after holding through
    /// <paramref name="heldThrough"/> (starting over at <paramref name="restartTick"/>, see <see cref="PhaseHistory.HoldThrough"/>). Writes that no later window can reach are dropped: those before the newest one at or
    /// before the first tick of the current window (the held samples after it start from it alone).
    /// </summary>
    public void Keep(long heldThrough, long restartTick, long tick, double phase, double advance, int window)
    {
        int anchor = 0;
        for (int k = _count - 1; k >= 0; k--)
        {
            if (_writes[k].Tick <= tick - window + 1)
            {
                anchor = k;
                break;
            }
        }
        if (anchor > 0)
        {
            Array.Copy(_writes, anchor, _writes, 0, _count - anchor);
            _count -= anchor;
        }
        if (_count == _writes.Length) Array.Resize(ref _writes, Math.Max(2, _count * 2));
        _writes[_count++] = new Write(heldThrough, restartTick, tick, phase, advance);
    }

    /// <summary>Forgets the participant (its history, if any, is the caller's to reuse), keeping the array for the next one.</summary>
    public void Reset()
    {
        _count = 0;
        SourceVersion = long.MinValue;
        History = null;
    }

    /// <summary>Builds the full history from the kept writes, in <paramref name="empty"/> (a new or cleared history).</summary>
    public PhaseHistory Materialize(PhaseHistory empty)
    {
        for (int k = 0; k < _count; k++)
        {
            var w = _writes[k];
            empty.HoldThrough(w.HeldThrough, w.RestartTick);
            empty.Record(w.Tick, w.Phase, fresh: true, w.Advance);
        }
        _writes = [];
        _count = 0;
        History = empty;
        return empty;
    }

    private readonly record struct Write(long HeldThrough, long RestartTick, long Tick, double Phase, double Advance);
}

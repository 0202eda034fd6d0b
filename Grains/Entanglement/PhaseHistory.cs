namespace Resonance.Grains.Entanglement;

/// <summary>
/// One participant's phase over the last W ticks of its space's tick grid (a ring buffer). The sample of tick k lives in
/// slot k mod W, so two histories that end at the same tick are aligned slot by slot without any bookkeeping. Each
/// sample is stored as e^{i p phi} for p = 1..P (P = the largest n or m of the tested ratios), so the PLV of a pair
/// at any ratio needs only multiplications. A tick without a new phase holds the last one, advanced at the participant's
/// frequency (see <see cref="Record"/>).
/// </summary>
public sealed class PhaseHistory
{
    private readonly double[] _re;
    private readonly double[] _im;
    private readonly bool[] _fresh;

    public PhaseHistory(int window, int powers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(powers, 1);
        Window = window;
        Powers = powers;
        _re = new double[window * powers];
        _im = new double[window * powers];
        _fresh = new bool[window];
    }

    public int Window { get; }
    public int Powers { get; }

    /// <summary>Samples held (at most W).</summary>
    public int Count { get; private set; }

    /// <summary>The tick of the newest sample (meaningful when <see cref="Count"/> &gt; 0).</summary>
    public long LastTick { get; private set; }

    /// <summary>Samples in the window at which a new phase had arrived (not held over).</summary>
    public int FreshCount { get; private set; }

    public double LastPhase { get; private set; }

    /// <summary>
    /// Records the sample of <paramref name="tick"/>: <paramref name="phase"/> when it is <paramref name="fresh"/> (a new
    /// phase arrived), otherwise the last sample advanced by <paramref name="advance"/> radians per tick (the participant's
    /// 2 pi f over the tick rate). Ticks skipped since the last sample (a late timer) are held the same way, not fresh; a
    /// gap of a whole window or more starts over. Advancing matters: two participants that both go quiet for a moment (a
    /// stalled client or silo) would otherwise hold two constants, whose difference reads as a perfect lock whatever their
    /// frequencies. A second sample for the same tick replaces the first when fresh; a tick older than the last one is
    /// ignored (the clock never goes back).
    /// </summary>
    public void Record(long tick, double phase, bool fresh, double advance = 0)
    {
        LastAdvance = advance;
        _lastGiven = phase;
        if (Count > 0)
        {
            if (tick < LastTick) return;
            if (tick == LastTick)
            {
                if (!fresh) return;
                int slot = Slot(tick);
                Write(slot, phase);
                if (!_fresh[slot])
                {
                    _fresh[slot] = true;
                    FreshCount++;
                }
                LastPhase = phase;
                return;
            }
            long gap = tick - LastTick - 1;
            if (gap >= Window) Clear();
            else
            {
                for (long k = LastTick + 1; k < tick; k++) Push(k, Held(advance), false);
                if (!fresh) phase = Held(advance);
            }
        }
        Push(tick, phase, fresh);
    }

    /// <summary>The advance given with the last <see cref="Record"/> (the participant's step while nothing new arrives).</summary>
    public double LastAdvance { get; private set; }

    // The phase given with the last Record, as given (a restart writes it unadvanced, as Record does after a long gap).
    private double _lastGiven;

    /// <summary>Held ticks beyond the window are moved over in one step past this many (see <see cref="HoldThrough"/>).</summary>
    internal const int ExactSkipLimit = 256;

    /// <summary>
    /// Brings the history up to <paramref name="tick"/> as <see cref="Record"/> with no new phase and the last call's
    /// phase and advance would have, called at every tick since the last sample: held samples, and a start over at
    /// <paramref name="restartTick"/> when the caller's ticks jumped by a whole window there (where <see cref="Record"/>
    /// starts over). Lets a caller leave the history of a participant that cannot take part in a reading unwritten while
    /// nothing new arrives (its phase and step stay the ones last given), and catch it up when it can. The result is bit
    /// for bit that of the writes it stands for, except that over more than <see cref="ExactSkipLimit"/> ticks beyond the
    /// window the phase is moved in one multiplication instead of one addition a tick (equal to rounding, ~1e-12 rad):
    /// a participant back after an hour costs no 36,000 steps. No-op on an empty history or a tick not after the last.
    /// </summary>
    public void HoldThrough(long tick, long restartTick = long.MinValue)
    {
        if (Count == 0 || tick <= LastTick) return;
        double advance = LastAdvance;
        if (restartTick > LastTick && restartTick <= tick)
        {
            double given = _lastGiven;
            Clear();
            Record(restartTick, given, fresh: false, advance);
            if (tick <= LastTick) return;
        }
        long gap = tick - LastTick;
        if (gap > Window)
        {
            // Every slot will hold one of the last W held samples: the ticks before them only move the phase on.
            long skipped = gap - Window;
            if (skipped > ExactSkipLimit && advance != 0) LastPhase = Field.Phase.Normalize(LastPhase + skipped * advance);
            else for (long k = skipped; k > 0; k--) LastPhase = Held(advance);
            Clear();
            for (long k = tick - Window + 1; k <= tick; k++) Push(k, Held(advance), false);
            return;
        }
        for (long k = LastTick + 1; k <= tick; k++) Push(k, Held(advance), false);
    }

    /// <summary>The next held sample: the last phase moved on by one tick's advance (kept in [0, 2 pi)).</summary>
    private double Held(double advance) => advance == 0 ? LastPhase : Field.Phase.Normalize(LastPhase + advance);

    /// <summary>True when the window is full up to <paramref name="tick"/> (the PLV can be taken).</summary>
    public bool IsCompleteAt(long tick) => Count == Window && LastTick == tick;

    public void Clear()
    {
        Count = 0;
        FreshCount = 0;
        Array.Clear(_fresh);
    }

    internal ReadOnlySpan<double> Re(int power) => _re.AsSpan((power - 1) * Window, Window);

    internal ReadOnlySpan<double> Im(int power) => _im.AsSpan((power - 1) * Window, Window);

    private void Push(long tick, double phase, bool fresh)
    {
        int slot = Slot(tick);
        if (Count == Window)
        {
            if (_fresh[slot]) FreshCount--;
        }
        else
        {
            Count++;
        }
        _fresh[slot] = fresh;
        if (fresh) FreshCount++;
        Write(slot, phase);
        LastTick = tick;
        LastPhase = phase;
    }

    private void Write(int slot, double phase)
    {
        if (Count > 1 && phase == LastPhase)
        {
            // A held phase (no new sample): the previous slot already has its powers.
            int previous = Slot(LastTick);
            if (previous != slot)
            {
                for (int p = 0; p < Powers; p++)
                {
                    _re[p * Window + slot] = _re[p * Window + previous];
                    _im[p * Window + slot] = _im[p * Window + previous];
                }
                return;
            }
        }
        var (s, c) = Math.SinCos(phase);
        double re = c, im = s;
        for (int p = 0; p < Powers; p++)
        {
            _re[p * Window + slot] = re;
            _im[p * Window + slot] = im;
            // e^{i (p+1) phi} = e^{i p phi} e^{i phi}; a few products lose nothing measurable against 1e-12.
            (re, im) = (re * c - im * s, re * s + im * c);
        }
    }

    private int Slot(long tick)
    {
        long r = tick % Window;
        return (int)(r < 0 ? r + Window : r);
    }
}

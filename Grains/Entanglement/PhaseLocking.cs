using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resonance.Grains.Entanglement;

/// <summary>
/// Compiled entanglement settings and the PLV itself: PLV_{n:m}(a, b) = |mean over the window of e^{i (m phi_a - n phi_b)}|
/// for a ratio n:m with a the faster participant; both orientations are tried, so the caller need not know which is faster.
/// </summary>
public sealed class PhaseLocking
{
    public PhaseLocking(int window, HarmonicRatio[] ratios, double formThreshold, double breakThreshold, int minFreshSamples)
    {
        Window = window;
        Ratios = ratios;
        FormThreshold = formThreshold;
        BreakThreshold = breakThreshold;
        MinFreshSamples = minFreshSamples;
        Powers = ratios.Max(r => r.N);
    }

    public int Window { get; }
    public HarmonicRatio[] Ratios { get; }
    public double FormThreshold { get; }
    public double BreakThreshold { get; }
    public int MinFreshSamples { get; }

    /// <summary>Largest power of e^{i phi} a history must keep.</summary>
    public int Powers { get; }

    public PhaseHistory NewHistory() => new(Window, Powers);

    /// <summary>
    /// The best-locked ratio of two histories that both end at the same tick with a full window: the highest PLV over the
    /// ratios (earlier ratios win ties, so a constant offset reads as 1:1). A stream with too few fresh samples reads 0.
    /// </summary>
    public (double Plv, int RatioIndex) Best(PhaseHistory a, PhaseHistory b)
    {
        if (a.FreshCount < MinFreshSamples || b.FreshCount < MinFreshSamples) return (0, 0);
        double best = -1;
        int index = 0;
        for (int k = 0; k < Ratios.Length; k++)
        {
            var r = Ratios[k];
            double plv = Plv(a, r.M, b, r.N);
            if (r.N != r.M) plv = Math.Max(plv, Plv(a, r.N, b, r.M));
            if (plv > best)
            {
                best = plv;
                index = k;
            }
        }
        return (best, index);
    }

    /// <summary>|mean e^{i (p phi_a - q phi_b)}| over the window (the histories must be aligned: same last tick, full).</summary>
    public static double Plv(PhaseHistory a, int p, PhaseHistory b, int q)
    {
        var ar = a.Re(p);
        var ai = a.Im(p);
        var br = b.Re(q);
        var bi = b.Im(q);
        double re = 0, im = 0;
        int k = 0;
        if (Vector256.IsHardwareAccelerated && ar.Length >= Vector256<double>.Count)
        {
            // Four samples at a time: a dense cell reads thousands of pairs per tick, each at five ratio orientations.
            var vre = Vector256<double>.Zero;
            var vim = Vector256<double>.Zero;
            ref double rar = ref MemoryMarshal.GetReference(ar), rai = ref MemoryMarshal.GetReference(ai);
            ref double rbr = ref MemoryMarshal.GetReference(br), rbi = ref MemoryMarshal.GetReference(bi);
            for (; k <= ar.Length - Vector256<double>.Count; k += Vector256<double>.Count)
            {
                var xr = Vector256.LoadUnsafe(ref rar, (nuint)k);
                var xi = Vector256.LoadUnsafe(ref rai, (nuint)k);
                var yr = Vector256.LoadUnsafe(ref rbr, (nuint)k);
                var yi = Vector256.LoadUnsafe(ref rbi, (nuint)k);
                vre += xr * yr + xi * yi;
                vim += xi * yr - xr * yi;
            }
            re = Vector256.Sum(vre);
            im = Vector256.Sum(vim);
        }
        for (; k < ar.Length; k++)
        {
            // e^{i p phi_a} * conj(e^{i q phi_b})
            re += ar[k] * br[k] + ai[k] * bi[k];
            im += ai[k] * br[k] - ar[k] * bi[k];
        }
        return Math.Min(1.0, Math.Sqrt(re * re + im * im) / ar.Length);
    }

    /// <summary>Hysteresis: a pair forms at PLV &gt;= form and, once formed, holds until PLV &lt; break.</summary>
    public bool NextLocked(bool locked, double plv) => locked ? plv >= BreakThreshold : plv >= FormThreshold;
}

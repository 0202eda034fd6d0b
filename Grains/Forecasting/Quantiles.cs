namespace Resonance.Grains.Forecasting;

/// <summary>Empirical quantiles (linear interpolation between order statistics).</summary>
public static class Quantiles
{
    /// <summary>The <paramref name="p"/>-quantile of <paramref name="sorted"/> (ascending, non-empty), p in [0, 1].</summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.Length == 0) throw new ArgumentException("No values.", nameof(sorted));
        double position = Math.Clamp(p, 0, 1) * (sorted.Length - 1);
        int lo = (int)Math.Floor(position);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
    }
}

namespace Resonance.Grains.Forecasting;

/// <summary>
/// Finds a dominant period in a series from its autocorrelation: the lag of the highest autocorrelation peak that rises
/// well above the dip before it. A periodic signal's autocorrelation falls and comes back at its period; white noise stays
/// near zero and a random walk decays smoothly, so neither yields a period (and if one were found by chance the held-out
/// evaluation would still show the model has no skill).
/// </summary>
public static class SeasonalPeriod
{
    /// <summary>The peak's autocorrelation must be at least this.</summary>
    public const double MinCorrelation = 0.3;

    /// <summary>And this much above the lowest autocorrelation at a shorter lag.</summary>
    public const double MinProminence = 0.5;

    /// <summary>The period in samples (2..<paramref name="maxPeriod"/>, at most a quarter of the series), or 0 when none stands out.</summary>
    public static int Detect(ReadOnlySpan<double> series, int maxPeriod)
    {
        int n = series.Length;
        int maxLag = Math.Min(maxPeriod, n / 4);
        if (maxLag < 2) return 0;
        double mean = 0;
        foreach (double v in series) mean += v;
        mean /= n;
        double variance = 0;
        foreach (double v in series) variance += (v - mean) * (v - mean);
        if (variance <= 1e-12 * n) return 0;

        var acf = new double[maxLag + 2];
        for (int k = 1; k <= Math.Min(maxLag + 1, n - 1); k++)
        {
            double s = 0;
            for (int i = 0; i + k < n; i++) s += (series[i] - mean) * (series[i + k] - mean);
            acf[k] = s / variance;
        }

        int best = 0;
        double bestValue = double.NegativeInfinity, lowest = acf[1];
        for (int k = 2; k <= maxLag; k++)
        {
            lowest = Math.Min(lowest, acf[k - 1]);
            bool peak = acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1];
            if (!peak || acf[k] < MinCorrelation || acf[k] - lowest < MinProminence) continue;
            if (acf[k] > bestValue + 1e-9) { best = k; bestValue = acf[k]; }
        }
        return best;
    }
}

namespace Resonance.Grains.Forecasting;

/// <summary>
/// The lagged features of one (origin, lead time) pair of a univariate series. The model predicts the change from the
/// last value, y[t+h] − y[t], so every feature is relative to y[t] where that makes sense: a model that learns nothing
/// falls back to persistence instead of extrapolating levels it never saw. The seasonal feature (the value one period
/// before the target, relative to y[t]) carries a periodic pattern's phase.
/// </summary>
public static class ForecastFeatures
{
    /// <summary>Lags (seconds) of the differences y[t] − y[t−k].</summary>
    private static readonly int[] Lags = [1, 2, 3, 5, 10, 20, 30, 60];

    public const int ShortWindow = 10;
    public const int LongWindow = 60;

    /// <summary>h, y[t], 8 lag differences, 2 window means, window deviation, period, seasonal value, cycle drift.</summary>
    public const int Count = 16;

    /// <summary>Names in feature order (for the report and the docs).</summary>
    public static readonly string[] Names =
    [
        "leadSeconds", "last",
        "diff1", "diff2", "diff3", "diff5", "diff10", "diff20", "diff30", "diff60",
        "mean10MinusLast", "mean60MinusLast", "std60",
        "period", "seasonalMinusLast", "cycleDrift",
    ];

    /// <summary>How many samples before the origin the features read (origins start at this index).</summary>
    public static int Lookback(int period) => Math.Max(LongWindow, period);

    /// <summary>Writes the features of origin <paramref name="t"/> and lead <paramref name="h"/> (needs t ≥ Lookback(period)).</summary>
    public static void Write(ReadOnlySpan<double> y, int t, int h, int period, Span<float> features)
    {
        double last = y[t];
        int f = 0;
        features[f++] = h;
        features[f++] = (float)last;
        foreach (int k in Lags) features[f++] = (float)(last - y[t - k]);
        features[f++] = (float)(Mean(y.Slice(t - ShortWindow + 1, ShortWindow)) - last);
        var window = y.Slice(t - LongWindow + 1, LongWindow);
        double mean = Mean(window);
        features[f++] = (float)(mean - last);
        double ss = 0;
        foreach (double v in window) ss += (v - mean) * (v - mean);
        features[f++] = (float)Math.Sqrt(ss / LongWindow);
        features[f++] = period;
        if (period > 0)
        {
            // The latest observed sample in phase with the target: t + h − k·period ≤ t for the smallest k ≥ 1.
            int k = (h + period - 1) / period;
            int s = t + h - k * period;
            features[f++] = (float)(y[s] - last);
            features[f++] = (float)(last - y[t - period]);
        }
        else
        {
            features[f++] = 0;
            features[f++] = 0;
        }
    }

    private static double Mean(ReadOnlySpan<double> values)
    {
        double s = 0;
        foreach (double v in values) s += v;
        return s / values.Length;
    }
}

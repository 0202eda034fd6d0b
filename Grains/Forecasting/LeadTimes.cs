namespace Resonance.Grains.Forecasting;

/// <summary>
/// The lead times (seconds) a model is trained and evaluated at. Lead time is a feature, so one model answers every
/// second up to the longest; a grid instead of every second keeps the training set small. A point between grid leads
/// takes its interval from the next longer one (conservative).
/// </summary>
public static class LeadTimes
{
    public static readonly int[] Grid = [1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600];

    /// <summary>The smallest grid lead ≥ <paramref name="h"/> among <paramref name="trained"/> (ascending), or the last.</summary>
    public static int IndexFor(ReadOnlySpan<int> trained, int h)
    {
        for (int k = 0; k < trained.Length; k++)
            if (trained[k] >= h) return k;
        return trained.Length - 1;
    }
}

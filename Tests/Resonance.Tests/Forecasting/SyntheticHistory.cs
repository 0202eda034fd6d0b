using Resonance.Grains;

namespace Resonance.Tests.Forecasting;

/// <summary>
/// Synthetic per-second histories with known structure (fixed seeds): a periodic space, a white-noise space and a
/// random-walk space. Noise has nothing to learn beyond its mean; a random walk nothing beyond its last value.
/// </summary>
public static class SyntheticHistory
{
    /// <summary>Periods (seconds) of the periodic space's three measures.</summary>
    public const int ResonancePeriod = 60, CoherencePeriod = 90, NodesPeriod = 120;

    public static MeasureSample[] Periodic(int seconds, long endUnixSecond, int seed = 11)
    {
        var random = new Random(seed);
        return Build(seconds, endUnixSecond, t => (
            Clamp01(0.5 + 0.3 * Math.Sin(2 * Math.PI * t / ResonancePeriod) + Gaussian(random) * 0.02),
            Clamp01(0.55 + 0.35 * Math.Cos(2 * Math.PI * t / CoherencePeriod) + Gaussian(random) * 0.02),
            Math.Max(0, Math.Round(20 + 12 * Math.Sin(2 * Math.PI * t / NodesPeriod) + Gaussian(random)))));
    }

    /// <summary>Independent draws around a fixed mean every second.</summary>
    public static MeasureSample[] WhiteNoise(int seconds, long endUnixSecond, int seed = 12)
    {
        var random = new Random(seed);
        return Build(seconds, endUnixSecond, _ => (
            Clamp01(0.5 + Gaussian(random) * 0.12),
            random.NextDouble(),
            random.Next(0, 41)));
    }

    /// <summary>Each second moves a random step from the last (reflected at the bounds).</summary>
    public static MeasureSample[] RandomWalk(int seconds, long endUnixSecond, int seed = 13)
    {
        var random = new Random(seed);
        double g = 0.5, r = 0.5, n = 20;
        return Build(seconds, endUnixSecond, _ =>
        {
            g = Reflect(g + Gaussian(random) * 0.02, 0, 1);
            r = Reflect(r + Gaussian(random) * 0.02, 0, 1);
            n = Reflect(n + random.Next(-1, 2), 0, 200);
            return (g, r, n);
        });
    }

    private static MeasureSample[] Build(int seconds, long endUnixSecond, Func<int, (double G, double R, double N)> at)
    {
        var samples = new MeasureSample[seconds];
        long start = endUnixSecond - seconds + 1;
        for (int t = 0; t < seconds; t++)
        {
            var (g, r, n) = at(t);
            samples[t] = new MeasureSample(start + t, g, r, n);
        }
        return samples;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Clamp01(double v) => Math.Clamp(v, 0, 1);

    private static double Reflect(double v, double lo, double hi) => v < lo ? 2 * lo - v : v > hi ? 2 * hi - v : v;
}

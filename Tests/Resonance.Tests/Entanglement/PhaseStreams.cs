using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

/// <summary>Synthetic phase streams on a 10 Hz tick grid and a pair tracked through the pure kernel with hysteresis.</summary>
internal static class PhaseStreams
{
    public const double TickHz = 10;

    /// <summary>phi(k) = 2 pi f k / TickHz + offset + noise(k).</summary>
    public static Func<long, double> Oscillator(double hz, double offset, Func<double>? noise = null) =>
        k => 2 * Math.PI * hz * k / TickHz + offset + (noise?.Invoke() ?? 0);

    public static Func<double> Uniform(Random random, double bound) => () => (random.NextDouble() * 2 - 1) * bound;

    public static Func<double> Gaussian(Random random, double sigma) => () =>
        sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Per tick: the PLV (NaN before the window is full), the best ratio and whether the pair is locked after it.</summary>
    public static List<(double Plv, string Ratio, bool Locked)> Track(PhaseLocking locking, Func<long, double> a, Func<long, double> b, int ticks)
    {
        var ha = locking.NewHistory();
        var hb = locking.NewHistory();
        var result = new List<(double, string, bool)>(ticks);
        bool locked = false;
        for (long k = 0; k < ticks; k++)
        {
            ha.Record(k, Grains.Field.Phase.Normalize(a(k)), fresh: true);
            hb.Record(k, Grains.Field.Phase.Normalize(b(k)), fresh: true);
            if (!ha.IsCompleteAt(k))
            {
                result.Add((double.NaN, "", false));
                continue;
            }
            var (plv, index) = locking.Best(ha, hb);
            locked = locking.NextLocked(locked, plv);
            result.Add((plv, locking.Ratios[index].ToString(), locked));
        }
        return result;
    }
}

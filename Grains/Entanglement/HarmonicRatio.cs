using System.Globalization;

namespace Resonance.Grains.Entanglement;

/// <summary>
/// A frequency ratio n:m (n &gt;= m &gt;= 1, in lowest terms) of the faster to the slower participant. A pair at that ratio
/// is phase-locked when m phi_fast - n phi_slow stays constant.
/// </summary>
public readonly record struct HarmonicRatio
{
    public HarmonicRatio(int n, int m)
    {
        if (m < 1 || n < m || n > 16) throw new ArgumentException($"A ratio n:m needs 16 >= n >= m >= 1, got {n}:{m}.");
        if (Gcd(n, m) != 1) throw new ArgumentException($"A ratio must be in lowest terms, got {n}:{m}.");
        N = n;
        M = m;
    }

    public int N { get; }
    public int M { get; }

    /// <summary>Parses <c>"n:m"</c>.</summary>
    public static HarmonicRatio Parse(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m))
            throw new ArgumentException($"'{text}' is not a ratio (expected n:m).");
        return new HarmonicRatio(n, m);
    }

    /// <summary>Parses a comma-separated list such as <c>"1:1,2:1,3:2"</c> (order is the preference order on ties).</summary>
    public static HarmonicRatio[] ParseList(string text)
    {
        var ratios = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();
        if (ratios.Length == 0) throw new ArgumentException("At least one ratio is needed.");
        if (ratios.Distinct().Count() != ratios.Length) throw new ArgumentException($"Ratios repeat in '{text}'.");
        return ratios;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{N}:{M}");

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}

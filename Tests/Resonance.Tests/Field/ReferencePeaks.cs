namespace Resonance.Tests.Field;

/// <summary>
/// The peak definition of docs/protocol.md over a whole grid, written plainly and independently of the fast path: label
/// plateaus with a union-find over every equal 8-adjacent pair, then test each plateau as a whole.
/// </summary>
public static class ReferencePeaks
{
    public readonly record struct Peak(int I, int J, double Value);

    public static bool Equal(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    public static bool Higher(double a, double b) => a > b && !Equal(a, b);

    /// <summary>All peaks, highest first, then row-major.</summary>
    public static List<Peak> Find(double[] v, int columns, int rows)
    {
        int n = columns * rows;
        var parent = Enumerable.Range(0, n).ToArray();
        int Root(int x) { while (parent[x] != x) x = parent[x]; return x; }
        IEnumerable<int> Neighbours(int p)
        {
            int i = p % columns, j = p / columns;
            for (int dj = -1; dj <= 1; dj++)
                for (int di = -1; di <= 1; di++)
                {
                    int a = i + di, b = j + dj;
                    if ((di != 0 || dj != 0) && a >= 0 && b >= 0 && a < columns && b < rows) yield return b * columns + a;
                }
        }
        for (int p = 0; p < n; p++)
            foreach (int q in Neighbours(p))
                if (Equal(v[p], v[q])) parent[Root(p)] = Root(q);

        var peaks = new List<Peak>();
        foreach (var plateau in Enumerable.Range(0, n).GroupBy(Root))
        {
            var members = plateau.ToList();
            if (members.Any(p => double.IsNaN(v[p]))) continue;
            if (!members.Any(p => Higher(v[p], 0))) continue;
            if (members.Any(p => Neighbours(p).Any(q => Higher(v[q], v[p])))) continue;
            double ci = members.Average(p => p % columns), cj = members.Average(p => p / columns);
            int centre = members
                .OrderBy(p => (p % columns - ci) * (p % columns - ci) + (p / columns - cj) * (p / columns - cj))
                .ThenBy(p => p) // row-major
                .First();
            peaks.Add(new Peak(centre % columns, centre / columns, v[centre]));
        }
        return peaks.OrderByDescending(p => p.Value).ThenBy(p => p.J).ThenBy(p => p.I).ToList();
    }
}

using Resonance.Grains.Field;

namespace Resonance.Tests.Field;

/// <summary>
/// The naive float64 reference for the field (DESIGN.md section 2): O(samples x nodes), no cleverness, used to check every
/// fast path. Sample points are c_ij = (i h, j h); a node contributes s K(|c - p|) where dx*dx + dy*dy &lt;= R*R.
/// </summary>
public static class ReferenceField
{
    /// <summary>The node sum at every sample of the grid (row-major, Columns x Rows).</summary>
    public static double[] NodeSum(SampleGrid grid, KernelSpec kernel, IReadOnlyList<FieldSource> nodes)
        => NodeSum(TileRegion.Whole(grid), kernel, nodes);

    /// <summary>The node sum at every sample of a region (row-major over the region).</summary>
    public static double[] NodeSum(TileRegion region, KernelSpec kernel, IReadOnlyList<FieldSource> nodes)
    {
        var result = new double[region.Width * region.Height];
        for (int jj = 0; jj < region.Height; jj++)
        {
            for (int ii = 0; ii < region.Width; ii++)
            {
                result[jj * region.Width + ii] = NodeSumAt(region.I0 + ii, region.J0 + jj, region.Spacing, kernel, nodes);
            }
        }
        return result;
    }

    /// <summary>The node sum at sample (i, j) of a lattice with spacing h.</summary>
    public static double NodeSumAt(int i, int j, double spacing, KernelSpec kernel, IReadOnlyList<FieldSource> nodes)
    {
        double x = i * spacing, y = j * spacing, r2 = kernel.Cutoff * kernel.Cutoff, sum = 0;
        foreach (var n in nodes)
        {
            double dx = x - n.X, dy = y - n.Y;
            double d2 = dx * dx + dy * dy;
            if (d2 <= r2) sum += n.Strength * kernel.Evaluate(Math.Sqrt(d2), n.Phase);
        }
        return sum;
    }

    /// <summary>The background term at (x, y, t): sum of A sin|cos(kx x + ky y + kr |c| + omega t + phi0), each term directly.</summary>
    public static double Background(double x, double y, double timeSeconds, IReadOnlyList<BackgroundMode> modes)
    {
        double sum = 0;
        foreach (var m in modes)
        {
            double arg = m.Kx * x + m.Ky * y + m.Kr * Math.Sqrt(x * x + y * y) + m.Omega * timeSeconds + m.Phi0;
            sum += m.Amplitude * (m.UseCos ? Math.Cos(arg) : Math.Sin(arg));
        }
        return sum;
    }

    /// <summary>F = S(beta G + nodeSum + B(c, t)) at every sample of the grid: S none, clamp to [0, 1], or soft 1 - e^(-x).</summary>
    public static double[] Compose(SampleGrid grid, double[] nodeSum, Composition c)
        => Compose(TileRegion.Whole(grid), nodeSum, c);

    /// <summary>F over a region (nodeSum row-major over the region).</summary>
    public static double[] Compose(TileRegion region, double[] nodeSum, Composition c)
    {
        var result = new double[region.Width * region.Height];
        for (int jj = 0; jj < region.Height; jj++)
        {
            for (int ii = 0; ii < region.Width; ii++)
            {
                double x = (region.I0 + ii) * region.Spacing, y = (region.J0 + jj) * region.Spacing;
                int k = jj * region.Width + ii;
                double f = c.Beta * c.GlobalResonance + nodeSum[k] + Background(x, y, c.TimeSeconds, c.Background ?? []);
                result[k] = c.Saturation switch
                {
                    FieldSaturation.Clamp => Math.Min(1.0, Math.Max(0.0, f)),
                    FieldSaturation.Soft => f <= 0 ? 0.0 : 1.0 - Math.Exp(-f),   // written directly, not through the code under test
                    _ => f,
                };
            }
        }
        return result;
    }

    /// <summary>Largest absolute difference between two arrays of equal length.</summary>
    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Lengths differ: {a.Length} vs {b.Length}.");
        double max = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = Math.Abs(a[k] - b[k]);
            if (!(d <= max)) max = double.IsNaN(d) ? double.PositiveInfinity : d;
        }
        return max;
    }
}

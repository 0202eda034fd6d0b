using Resonance.Grains.Field;

namespace Resonance.Tests.Field;

/// <summary>Seeded random inputs for the field property tests.</summary>
internal static class FieldTestData
{
    public static readonly KernelSpec[] Kernels =
    [
        KernelSpec.Exponential(),
        KernelSpec.Gaussian(),
        KernelSpec.Harmonic(),
        KernelSpec.Harmonic(cutoff: 7.5, lambda: 0.05, waveNumber: 2.5),
        KernelSpec.Exponential(cutoff: 4.3, lambda: 0.7),
    ];

    public static KernelSpec KernelByIndex(int index) => Kernels[index];

    /// <summary>
    /// A random source for a region: mostly uniform over the region extended by the cutoff on every side (so some lie
    /// outside the region but within reach), with a share placed exactly on lattice points, on the region's edges and
    /// corners, and exactly at distance R from a lattice point (boundary samples).
    /// </summary>
    public static FieldSource Source(Random rnd, TileRegion region, KernelSpec kernel)
    {
        double h = region.Spacing, r = kernel.Cutoff;
        double x0 = region.I0 * h, x1 = (region.I0 + region.Width - 1) * h;
        double y0 = region.J0 * h, y1 = (region.J0 + region.Height - 1) * h;
        double x, y;
        switch (rnd.Next(8))
        {
            case 0: // on a lattice point
                x = (region.I0 + rnd.Next(-3, region.Width + 3)) * h;
                y = (region.J0 + rnd.Next(-3, region.Height + 3)) * h;
                break;
            case 1: // on an edge
                x = rnd.Next(2) == 0 ? x0 : x1;
                y = y0 + rnd.NextDouble() * (y1 - y0);
                if (rnd.Next(2) == 0) (x, y) = (x0 + rnd.NextDouble() * (x1 - x0), rnd.Next(2) == 0 ? y0 : y1);
                break;
            case 2: // a corner, or just outside it
                x = rnd.Next(2) == 0 ? x0 - rnd.NextDouble() * r * 0.7 : x1 + rnd.NextDouble() * r * 0.7;
                y = rnd.Next(2) == 0 ? y0 - rnd.NextDouble() * r * 0.7 : y1 + rnd.NextDouble() * r * 0.7;
                break;
            case 3: // lattice point offset by an integer vector so that some samples are exactly at distance R
                x = (region.I0 + rnd.Next(region.Width)) * h + (rnd.Next(2) == 0 ? 0.6 * r : -0.6 * r);
                y = (region.J0 + rnd.Next(region.Height)) * h + (rnd.Next(2) == 0 ? 0.8 * r : -0.8 * r);
                break;
            default: // anywhere within reach
                x = x0 - r + rnd.NextDouble() * (x1 - x0 + 2 * r);
                y = y0 - r + rnd.NextDouble() * (y1 - y0 + 2 * r);
                break;
        }
        return new FieldSource(x, y, rnd.NextDouble(), rnd.NextDouble() * Phase.TwoPi);
    }

    public static List<FieldSource> Sources(Random rnd, TileRegion region, KernelSpec kernel, int count)
    {
        var list = new List<FieldSource>(count);
        for (int k = 0; k < count; k++) list.Add(Source(rnd, region, kernel));
        return list;
    }

    public static double[] RandomValues(Random rnd, int length)
    {
        var v = new double[length];
        for (int k = 0; k < length; k++) v[k] = rnd.NextDouble() * 2 - 1;
        return v;
    }
}

namespace Resonance.Grains.Field;

/// <summary>
/// The outermost samples of a tile, which is all a neighbouring tile needs to tell whether its edge samples are peaks.
/// Layout: the first row (Width), the last row (Width), the first column (Height), the last column (Height); corners
/// appear twice.
/// </summary>
public static class TileBorder
{
    public static int Length(in TileRegion region) => 2 * (region.Width + region.Height);

    public static void Extract(ReadOnlySpan<double> values, in TileRegion region, Span<double> destination)
    {
        int w = region.Width, h = region.Height;
        if (destination.Length < Length(region)) throw new ArgumentException($"destination needs {Length(region)} elements.");
        values.Slice(0, w).CopyTo(destination);
        values.Slice((h - 1) * w, w).CopyTo(destination[w..]);
        for (int jj = 0; jj < h; jj++)
        {
            destination[2 * w + jj] = values[jj * w];
            destination[2 * w + h + jj] = values[jj * w + w - 1];
        }
    }

    /// <summary>The value at absolute sample (i, j) on the region's border.</summary>
    public static double ValueAt(ReadOnlySpan<double> border, in TileRegion region, int i, int j)
    {
        int w = region.Width, h = region.Height, ii = i - region.I0, jj = j - region.J0;
        if ((uint)ii >= (uint)w || (uint)jj >= (uint)h) throw new ArgumentOutOfRangeException(nameof(i), $"({i},{j}) is outside {region}.");
        if (jj == 0) return border[ii];
        if (jj == h - 1) return border[w + ii];
        if (ii == 0) return border[2 * w + jj];
        if (ii == w - 1) return border[2 * w + h + jj];
        throw new ArgumentOutOfRangeException(nameof(i), $"({i},{j}) is not on the border of {region}.");
    }
}

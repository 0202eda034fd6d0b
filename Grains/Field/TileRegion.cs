namespace Resonance.Grains.Field;

/// <summary>
/// A rectangular block of samples of a grid with spacing h: sample indices [I0, I0+Width) x [J0, J0+Height).
/// Values for a region are stored row-major: <c>values[(j - J0) * Width + (i - I0)]</c> is the sample at (i h, j h).
/// </summary>
public readonly record struct TileRegion(int I0, int J0, int Width, int Height, double Spacing)
{
    public int Count => Width * Height;

    public static TileRegion Whole(SampleGrid grid) => new(0, 0, grid.Columns, grid.Rows, grid.Spacing);

    public int Index(int i, int j) => (j - J0) * Width + (i - I0);

    public bool Contains(int i, int j) => i >= I0 && i < I0 + Width && j >= J0 && j < J0 + Height;

    /// <summary>Squared distance from (x, y) to the rectangle spanned by this region's sample points (0 inside).</summary>
    public double DistanceSquaredTo(double x, double y)
    {
        double x0 = I0 * Spacing, x1 = (I0 + Width - 1) * Spacing;
        double y0 = J0 * Spacing, y1 = (J0 + Height - 1) * Spacing;
        double dx = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
        double dy = y < y0 ? y0 - y : y > y1 ? y - y1 : 0;
        return dx * dx + dy * dy;
    }
}

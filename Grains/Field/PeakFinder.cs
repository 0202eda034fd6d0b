namespace Resonance.Grains.Field;

public static class PeakFinder
{
    /// <summary>
    /// Writes up to <c>destination.Length</c> local maxima of the region's values, highest first, and returns how many.
    /// A sample is a local maximum when it is greater than its 8-neighbours that come before it in row-major order and
    /// greater than or equal to those after it (so a plateau yields one peak); neighbours outside the region are ignored.
    /// Allocation-free.
    /// </summary>
    public static int TopLocalMaxima(ReadOnlySpan<double> values, in TileRegion region, Span<FieldPeak> destination)
        => throw new NotImplementedException();
}

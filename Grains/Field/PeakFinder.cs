namespace Resonance.Grains.Field;

public static class PeakFinder
{
    /// <summary>
    /// Writes up to <c>destination.Length</c> local maxima of the region's values, highest first, and returns how many.
    /// A sample is a local maximum when it is greater than its 8-neighbours that come before it in row-major order and
    /// greater than or equal to those after it (so a plateau yields one peak); neighbours outside the region are ignored.
    /// Allocation-free.
    /// </summary>
    /// <remarks>
    /// <see cref="FieldPeak.I"/> and <see cref="FieldPeak.J"/> are absolute sample indices (region.I0 + column,
    /// region.J0 + row). Peaks of equal value keep row-major order. NaN samples are never peaks.
    /// </remarks>
    public static int TopLocalMaxima(ReadOnlySpan<double> values, in TileRegion region, Span<FieldPeak> destination)
    {
        int width = region.Width, height = region.Height;
        if (width <= 0 || height <= 0 || destination.IsEmpty) return 0;
        long count = (long)width * height;
        if (values.Length < count) throw new ArgumentException($"values has {values.Length} elements but the region {region} needs {count}.");

        int found = 0, capacity = destination.Length;
        for (int jj = 0; jj < height; jj++)
        {
            ReadOnlySpan<double> row = values.Slice(jj * width, width);
            ReadOnlySpan<double> above = jj > 0 ? values.Slice((jj - 1) * width, width) : default;
            ReadOnlySpan<double> below = jj < height - 1 ? values.Slice((jj + 1) * width, width) : default;
            for (int ii = 0; ii < width; ii++)
            {
                double v = row[ii];
                // Cheap rejection first: once the buffer is full, a sample that cannot enter it is skipped.
                if (found == capacity && !(v > destination[capacity - 1].Value)) continue;
                if (!IsPeak(v, row, above, below, ii, width)) continue;
                Insert(destination, ref found, new FieldPeak(region.I0 + ii, region.J0 + jj, v));
            }
        }
        return found;
    }

    private static bool IsPeak(double v, ReadOnlySpan<double> row, ReadOnlySpan<double> above, ReadOnlySpan<double> below, int ii, int width)
    {
        if (double.IsNaN(v)) return false;
        bool hasLeft = ii > 0, hasRight = ii < width - 1;
        // Before in row-major order: the row above and the left neighbour -> strictly greater.
        if (hasLeft && !(v > row[ii - 1])) return false;
        if (hasRight && !(v >= row[ii + 1])) return false;
        if (!above.IsEmpty)
        {
            if (!(v > above[ii])) return false;
            if (hasLeft && !(v > above[ii - 1])) return false;
            if (hasRight && !(v > above[ii + 1])) return false;
        }
        if (!below.IsEmpty)
        {
            if (!(v >= below[ii])) return false;
            if (hasLeft && !(v >= below[ii - 1])) return false;
            if (hasRight && !(v >= below[ii + 1])) return false;
        }
        return true;
    }

    /// <summary>Insertion into the descending buffer; a new peak goes after existing ones of equal value.</summary>
    private static void Insert(Span<FieldPeak> buffer, ref int found, FieldPeak peak)
    {
        int pos = found < buffer.Length ? found : buffer.Length - 1;
        if (found == buffer.Length && !(peak.Value > buffer[pos].Value)) return;
        while (pos > 0 && buffer[pos - 1].Value < peak.Value)
        {
            buffer[pos] = buffer[pos - 1];
            pos--;
        }
        buffer[pos] = peak;
        if (found < buffer.Length) found++;
    }
}

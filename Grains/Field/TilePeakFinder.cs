namespace Resonance.Grains.Field;

/// <summary>
/// Peaks of one tile of a grid, with plateaus, as far as the tile can tell on its own.
/// </summary>
/// <remarks>
/// Definitions (the tests' reference implements them over the whole grid):
/// <list type="bullet">
/// <item>Two 8-adjacent samples are <i>equal</i> per <see cref="PlateauRule.Equal"/>; a <i>plateau</i> is a connected
/// component of samples under that relation (a lone sample is a plateau of one).</item>
/// <item>A plateau is a <i>peak</i> when no member has an 8-neighbour that <see cref="PlateauRule.Exceeds"/> it and it stands
/// <see cref="PlateauRule.AboveFloor"/>. Samples outside the grid do not exist.</item>
/// <item>Its position is its <i>centre</i>: the member nearest the plateau's centroid (ties: first in row-major order), with
/// the value there. So a flat top, such as a saturated field, is one peak in its middle, never at a corner.</item>
/// </list>
/// A plateau that stays inside the tile is decided here (a <i>peak</i>). One that touches a seam (a tile edge with more
/// grid beyond) may continue into, or be exceeded by, the neighbouring tile: its members go out as an <i>edge piece</i>,
/// and the merger (<c>PeakMerger</c>), which sees the neighbours' borders, decides. Pieces already exceeded inside the
/// tile are dropped. Cost O(samples), about 9 reads per sample; allocation-free once the buffers fit the tile.
/// </remarks>
public sealed class TilePeakFinder
{
    private bool[] _visited = [];
    private int[] _queue = [];

    public readonly record struct Result(int Peaks, int EdgeMembers, int EdgePieces);

    /// <summary>
    /// Writes the tile's decided peaks (best <c>peaks.Length</c>, in <see cref="PeakOrder"/>) and the members of every edge
    /// piece (<paramref name="edge"/> must hold <c>region.Count</c> when the tile has a seam).
    /// </summary>
    public Result Find(ReadOnlySpan<double> values, in TileRegion region, int gridColumns, int gridRows, Span<FieldPeak> peaks, Span<PlateauMember> edge)
    {
        int w = region.Width, h = region.Height;
        if (w <= 0 || h <= 0) return default;
        int n = w * h;
        if (values.Length < n) throw new ArgumentException($"values has {values.Length} elements but the region {region} needs {n}.");
        bool seamLeft = region.I0 > 0, seamRight = region.I0 + w < gridColumns, seamTop = region.J0 > 0, seamBottom = region.J0 + h < gridRows;
        if ((seamLeft || seamRight || seamTop || seamBottom) && edge.Length < n)
            throw new ArgumentException($"edge needs {n} elements for a tile with a seam.");
        if (_visited.Length < n)
        {
            _visited = new bool[n];
            _queue = new int[n];
        }
        else
        {
            Array.Clear(_visited, 0, n);
        }

        int found = 0, edgeCount = 0, pieces = 0;
        for (int start = 0; start < n; start++)
        {
            if (_visited[start]) continue;
            // Only an unexceeded sample above the floor can start a peak; anything else is left unmarked, so its plateau is
            // still explored from a better start (or never, when it cannot be a peak).
            if (!PlateauRule.AboveFloor(values[start]) || Exceeded(values, w, h, start)) continue;

            int head = 0, tail = 0;
            bool exceeded = false, onSeam = false;
            long sumI = 0, sumJ = 0;
            _visited[start] = true;
            _queue[tail++] = start;
            while (head < tail)
            {
                int p = _queue[head++];
                int pi = p % w, pj = p / w;
                sumI += pi;
                sumJ += pj;
                double vp = values[p];
                if (!exceeded && p != start && Exceeded(values, w, h, p)) exceeded = true;
                if ((pi == 0 && seamLeft) || (pi == w - 1 && seamRight) || (pj == 0 && seamTop) || (pj == h - 1 && seamBottom)) onSeam = true;
                for (int qj = Math.Max(0, pj - 1); qj <= Math.Min(h - 1, pj + 1); qj++)
                    for (int qi = Math.Max(0, pi - 1); qi <= Math.Min(w - 1, pi + 1); qi++)
                    {
                        int q = qj * w + qi;
                        if (_visited[q] || !PlateauRule.Equal(values[q], vp)) continue;
                        _visited[q] = true;
                        _queue[tail++] = q;
                    }
            }
            if (exceeded) continue;

            if (onSeam)
            {
                for (int k = 0; k < tail; k++)
                {
                    int p = _queue[k];
                    edge[edgeCount++] = new PlateauMember(pieces, region.I0 + p % w, region.J0 + p / w, values[p]);
                }
                pieces++;
                continue;
            }

            double ci = (double)sumI / tail, cj = (double)sumJ / tail, best = double.PositiveInfinity;
            int centre = start;
            for (int k = 0; k < tail; k++)
            {
                int p = _queue[k], pi = p % w, pj = p / w;
                double dx = pi - ci, dy = pj - cj;
                if (PeakOrder.NearerCentre(dx * dx + dy * dy, pi, pj, best, centre % w, centre / w))
                {
                    best = dx * dx + dy * dy;
                    centre = p;
                }
            }
            found = PeakOrder.Insert(peaks, found, new FieldPeak(region.I0 + centre % w, region.J0 + centre / w, values[centre]));
        }
        return new Result(found, edgeCount, pieces);
    }

    private static bool Exceeded(ReadOnlySpan<double> values, int w, int h, int p)
    {
        int pi = p % w, pj = p / w;
        double v = values[p];
        for (int qj = Math.Max(0, pj - 1); qj <= Math.Min(h - 1, pj + 1); qj++)
            for (int qi = Math.Max(0, pi - 1); qi <= Math.Min(w - 1, pi + 1); qi++)
                if (PlateauRule.Exceeds(values[qj * w + qi], v)) return true;
        return false;
    }
}

namespace Resonance.Grains.Field;

/// <summary>The orders peak finding uses, shared so every part of the path agrees.</summary>
public static class PeakOrder
{
    /// <summary>Peaks: higher value first, then row-major position.</summary>
    public static bool Before(double value, int i, int j, double otherValue, int otherI, int otherJ) =>
        value > otherValue || (value == otherValue && RowMajorBefore(i, j, otherI, otherJ));

    public static bool RowMajorBefore(int i, int j, int otherI, int otherJ) => j < otherJ || (j == otherJ && i < otherI);

    /// <summary>
    /// Choosing a plateau's centre: the member nearer the centroid (squared distance <paramref name="d2"/>) wins, ties go to
    /// the first in row-major order.
    /// </summary>
    public static bool NearerCentre(double d2, int i, int j, double bestD2, int bestI, int bestJ) =>
        d2 < bestD2 || (d2 == bestD2 && RowMajorBefore(i, j, bestI, bestJ));

    /// <summary>Inserts into a buffer kept in peak order; returns the new count (a full buffer drops its last).</summary>
    public static int Insert(Span<FieldPeak> buffer, int found, FieldPeak peak)
    {
        if (buffer.IsEmpty) return 0;
        if (found == buffer.Length && !Before(peak.Value, peak.I, peak.J, buffer[found - 1].Value, buffer[found - 1].I, buffer[found - 1].J))
            return found;
        int pos = found < buffer.Length ? found : buffer.Length - 1;
        while (pos > 0 && Before(peak.Value, peak.I, peak.J, buffer[pos - 1].Value, buffer[pos - 1].I, buffer[pos - 1].J))
        {
            buffer[pos] = buffer[pos - 1];
            pos--;
        }
        buffer[pos] = peak;
        return found < buffer.Length ? found + 1 : found;
    }
}

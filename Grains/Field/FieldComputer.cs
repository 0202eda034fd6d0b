namespace Resonance.Grains.Field;

/// <summary>Full recompute of the node sum over a region from scratch.</summary>
public static class FieldComputer
{
    /// <summary>
    /// Overwrites <paramref name="values"/> (length region.Count) with the sum over all sources of s_n K(|c - p_n|).
    /// Splits the region into row bands on up to <paramref name="maxDegreeOfParallelism"/> threads when the work is large
    /// (0 = Environment.ProcessorCount; 1 = single-threaded).
    /// </summary>
    public static void Recompute(double[] values, TileRegion region, KernelSpec kernel, ReadOnlyMemory<FieldSource> sources, int maxDegreeOfParallelism = 0)
        => throw new NotImplementedException();
}

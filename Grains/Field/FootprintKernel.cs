namespace Resonance.Grains.Field;

/// <summary>The incremental core: adds or removes one node's footprint on a tile. Allocation-free.</summary>
public static class FootprintKernel
{
    /// <summary>
    /// <c>values[region.Index(i, j)] += sign * source.Strength * K(|c_ij - p|)</c> for every sample of the region
    /// with <c>|c_ij - p| &lt;= kernel.Cutoff</c>. Samples outside the cutoff are untouched.
    /// </summary>
    public static void Accumulate(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign = 1.0)
        => throw new NotImplementedException();
}

namespace Resonance.Grains.Field;

/// <summary>
/// The node sum over one <see cref="TileRegion"/>, maintained incrementally: a node that appears adds its footprint, one
/// that leaves subtracts it, and one that moves or is re-weighted subtracts the old footprint and adds the new one.
/// A thin wrapper over <see cref="FootprintKernel"/>; not thread-safe (one grain owns one tile).
/// </summary>
public sealed class FieldTile
{
    private readonly double[] _values;

    public FieldTile(TileRegion region)
    {
        if (region.Width < 0 || region.Height < 0) throw new ArgumentException($"Region must have a non-negative size, got {region}.");
        if (!double.IsFinite(region.Spacing) || region.Spacing <= 0) throw new ArgumentException($"Region spacing must be finite and > 0, got {region.Spacing}.");
        Region = region;
        _values = new double[region.Count];
    }

    /// <summary>Restores a tile from its values (e.g. after deserialization). The array is adopted, not copied.</summary>
    public FieldTile(TileRegion region, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (region.Width < 0 || region.Height < 0) throw new ArgumentException($"Region must have a non-negative size, got {region}.");
        if (!double.IsFinite(region.Spacing) || region.Spacing <= 0) throw new ArgumentException($"Region spacing must be finite and > 0, got {region.Spacing}.");
        if (values.Length != region.Count) throw new ArgumentException($"values has {values.Length} elements but the region {region} has {region.Count}.");
        Region = region;
        _values = values;
    }

    public TileRegion Region { get; }

    /// <summary>The node sum, row-major over <see cref="Region"/>.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The backing array (for serialization; callers must not modify it).</summary>
    public double[] Array => _values;

    /// <summary>Whether the footprint of <paramref name="source"/> reaches any sample of this tile.</summary>
    public bool Reaches(in KernelSpec kernel, in FieldSource source) => FootprintKernel.Reaches(Region, kernel, source);

    /// <summary>A node appears (or its footprint starts to reach this tile).</summary>
    public void Add(in KernelSpec kernel, in FieldSource source)
    {
        if (Reaches(kernel, source)) FootprintKernel.Accumulate(_values, Region, kernel, source, 1.0);
    }

    /// <summary>A node leaves: subtracts exactly the footprint that <see cref="Add"/> added for the same source.</summary>
    public void Remove(in KernelSpec kernel, in FieldSource source)
    {
        if (Reaches(kernel, source)) FootprintKernel.Accumulate(_values, Region, kernel, source, -1.0);
    }

    /// <summary>
    /// A node moves and/or changes strength or phase: subtracts the old footprint and adds the new one. A pure re-weight
    /// (same position, and same phase for the harmonic kernel) is done in one pass with the strength difference.
    /// </summary>
    public void Move(in KernelSpec kernel, in FieldSource old, in FieldSource @new)
    {
        if (old == @new) return;
        if (old.X == @new.X && old.Y == @new.Y && (kernel.Kind != KernelKind.Harmonic || old.Phase == @new.Phase)
            && double.IsFinite(old.Strength) && double.IsFinite(@new.Strength))
        {
            double delta = @new.Strength - old.Strength;
            if (delta != 0) Add(kernel, @new with { Strength = delta });
            return;
        }
        Remove(kernel, old);
        Add(kernel, @new);
    }

    /// <summary>Sets every value to 0.</summary>
    public void Clear() => System.Array.Clear(_values);

    /// <summary>Recomputes the tile from scratch from the given sources (single-threaded for small tiles).</summary>
    public void Recompute(in KernelSpec kernel, ReadOnlyMemory<FieldSource> sources, int maxDegreeOfParallelism = 0)
        => FieldComputer.Recompute(_values, Region, kernel, sources, maxDegreeOfParallelism);
}

namespace Resonance.Grains.Field;

/// <summary>Composes display values F = clamp(beta * G + nodeSum + B(c, t), 0, 1) for a region.</summary>
public static class FrameComposer
{
    /// <summary>Composes <paramref name="nodeSum"/> (row-major over <paramref name="region"/>) into <paramref name="destination"/>.</summary>
    public static void Compose(ReadOnlySpan<double> nodeSum, Span<double> destination, in TileRegion region, in Composition composition)
        => throw new NotImplementedException();

    /// <summary>The background term B(c, t) at one point (reference-quality scalar path).</summary>
    public static double Background(double x, double y, double timeSeconds, ReadOnlySpan<BackgroundMode> modes)
        => throw new NotImplementedException();
}

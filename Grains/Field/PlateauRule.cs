namespace Resonance.Grains.Field;

/// <summary>
/// When two neighbouring samples are "the same height" for peak finding, and when one is higher. A relative bound (the
/// design's bound between incremental and recomputed sums), so rounding never splits a plateau that exact arithmetic would
/// make flat, and a pure function of the two values, so a cell and the space, each seeing part of the grid, agree.
/// NaN is never equal to, higher than or lower than anything.
/// </summary>
public static class PlateauRule
{
    public const double RelativeTolerance = 1e-9;

    public static bool Equal(double a, double b) =>
        Math.Abs(a - b) <= RelativeTolerance * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary><paramref name="higher"/> is above <paramref name="value"/> by more than the tolerance.</summary>
    public static bool Exceeds(double higher, double value) => higher > value && !Equal(higher, value);

    /// <summary>A peak must stand above zero: where no node reaches, the node field is 0 and that flat floor is no peak.</summary>
    public static bool AboveFloor(double value) => Exceeds(value, 0);
}

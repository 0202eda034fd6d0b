namespace Resonance.Grains.Field;

public static class FieldStatistics
{
    /// <summary>Min, max, sum and sum of squares of the values (SIMD).</summary>
    public static FieldStats Compute(ReadOnlySpan<double> values) => throw new NotImplementedException();
}

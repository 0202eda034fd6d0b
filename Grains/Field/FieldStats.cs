namespace Resonance.Grains.Field;

/// <summary>Mergeable summary of a set of field samples. Energy is the mean of squares.</summary>
public readonly record struct FieldStats(long Count, double Min, double Max, double Sum, double SumSquares)
{
    public static readonly FieldStats Empty = new(0, double.PositiveInfinity, double.NegativeInfinity, 0, 0);

    public double Mean => Count > 0 ? Sum / Count : 0;
    public double Energy => Count > 0 ? SumSquares / Count : 0;

    public FieldStats Merge(in FieldStats other) =>
        new(Count + other.Count, Math.Min(Min, other.Min), Math.Max(Max, other.Max), Sum + other.Sum, SumSquares + other.SumSquares);
}

namespace Resonance.Grains;

/// <summary>One k-means cluster of event positions: its centre, member count and within-cluster sum of squared distances.</summary>
[GenerateSerializer, Immutable, Alias("resonance.event-cluster")]
public sealed record EventCluster
{
    [Id(0)] public double X { get; init; }
    [Id(1)] public double Y { get; init; }
    [Id(2)] public int Count { get; init; }
    [Id(3)] public double SumSquares { get; init; }
}

namespace Resonance.Grains;

/// <summary>Aggregates of one space's events in one minute [<see cref="MinuteUtc"/>, +1 min).</summary>
[GenerateSerializer, Immutable, Alias("resonance.minute-rollup")]
public sealed record MinuteRollup
{
    [Id(0)] public string Space { get; init; } = "";
    [Id(1)] public DateTime MinuteUtc { get; init; }
    /// <summary>Mean of the events' resonance values; null when no event of the minute carried one.</summary>
    [Id(2)] public double? AvgResonance { get; init; }
    /// <summary>Distinct user ids among the minute's events.</summary>
    [Id(3)] public int ActiveUsers { get; init; }
    [Id(4)] public int EventCount { get; init; }
    /// <summary>Mean position of the events that had one; null when none had.</summary>
    [Id(5)] public double? CentroidX { get; init; }
    [Id(6)] public double? CentroidY { get; init; }
    /// <summary>k-means clusters (k &lt;= 10) of the minute's event positions, in seeding order.</summary>
    [Id(7)] public EventCluster[] Clusters { get; init; } = [];
}

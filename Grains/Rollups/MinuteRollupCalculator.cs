namespace Resonance.Grains.Rollups;

/// <summary>Turns one minute's raw events into its <see cref="MinuteRollup"/>.</summary>
public static class MinuteRollupCalculator
{
    public static MinuteRollup Compute(string space, DateTime minuteUtc, IReadOnlyCollection<RollupEvent> events)
    {
        var resonances = events.Where(e => e.Resonance is not null).Select(e => e.Resonance!.Value).ToList();
        var positions = events.Where(e => e.X is not null && e.Y is not null).Select(e => (X: e.X!.Value, Y: e.Y!.Value)).ToList();
        return new MinuteRollup
        {
            Space = space,
            MinuteUtc = minuteUtc,
            AvgResonance = resonances.Count == 0 ? null : resonances.Average(),
            ActiveUsers = events.Select(e => e.UserId).Distinct().Count(),
            EventCount = events.Count,
            CentroidX = positions.Count == 0 ? null : positions.Average(p => p.X),
            CentroidY = positions.Count == 0 ? null : positions.Average(p => p.Y),
            Clusters = KMeans.Cluster(positions),
        };
    }
}

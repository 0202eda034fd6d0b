using Resonance.Grains.Field;

namespace Resonance.Grains.Spaces;

/// <summary>
/// Builds a space's tick from its cells' latest reports: exact sums for G, counts and the Kuramoto order parameter;
/// merged field statistics; and the top peaks of the node field (<see cref="PeakMerger"/>). Cells that do not report hold
/// no contribution, so their samples are just the composed background, which is evaluated here for the statistics; their
/// node field is 0, so they hold no peak. Pure logic, so it is tested without a cluster.
/// </summary>
public sealed class SpaceAggregator(SpaceGeometry geometry, int peaksPerTick)
{
    private readonly double[] _zeros = new double[geometry.TileSamples * geometry.TileSamples];
    private readonly double[] _scratch = new double[geometry.TileSamples * geometry.TileSamples];
    private readonly PeakMerger _peaks = new(geometry);

    public SpaceTick Aggregate(string space, long seq, DateTime utcNow, IReadOnlyDictionary<(int Cx, int Cy), CellReport> reports, double previousGlobalResonance)
    {
        int participants = 0, memories = 0;
        double sumResonance = 0;
        var phases = default(PhaseSum);
        var stats = FieldStats.Empty;
        foreach (var r in reports.Values)
        {
            participants += r.Participants;
            memories += r.MemoryNodes;
            sumResonance += r.SumResonance;
            phases += new PhaseSum(r.PhaseWeight, r.PhaseCos, r.PhaseSin);
            if (r.SampleCount > 0) stats = stats.Merge(new FieldStats(r.SampleCount, r.Min, r.Max, r.Sum, r.SumSquares));
        }
        double g = participants > 0 ? sumResonance / participants : 0;

        // Silent cells: background only. Cells compose with the G they were last told, so use the same here.
        double t = geometry.TimeAt(utcNow);
        var composition = geometry.Composition(previousGlobalResonance, t);
        for (int cy = 0; cy < geometry.CellsY; cy++)
            for (int cx = 0; cx < geometry.CellsX; cx++)
            {
                if (reports.ContainsKey((cx, cy))) continue;
                var region = geometry.CellRegion(cx, cy);
                var composed = _scratch.AsSpan(0, region.Count);
                FrameComposer.Compose(_zeros.AsSpan(0, region.Count), composed, region, composition);
                stats = stats.Merge(FieldStatistics.Compute(composed));
            }

        return new SpaceTick
        {
            Space = space,
            Seq = seq,
            TimestampUtc = utcNow,
            TimeSeconds = t,
            GlobalResonance = g,
            ActiveNodes = participants,
            MemoryNodes = memories,
            QuantumCoherence = phases.Coherence,
            MeanPhase = phases.MeanPhase,
            FieldMin = stats.Count > 0 ? stats.Min : 0,
            FieldMax = stats.Count > 0 ? stats.Max : 0,
            FieldMean = stats.Mean,
            FieldEnergy = stats.Energy,
            Peaks = _peaks.Merge(reports, Math.Max(1, peaksPerTick)),
            CellsReporting = reports.Count,
        };
    }
}

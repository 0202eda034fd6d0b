using Resonance.Grains.Field;

namespace Resonance.Grains.Spaces;

/// <summary>
/// Builds a space's tick from its cells' latest reports: exact sums for G, counts and the Kuramoto order parameter;
/// merged field statistics; and the top peaks. Cells that do not report hold no contribution, so their samples are just
/// the composed background, which is evaluated here. Pure logic, so it is tested without a cluster.
/// </summary>
public sealed class SpaceAggregator(SpaceGeometry geometry, int peaksPerTick)
{
    private readonly double[] _zeros = new double[geometry.TileSamples * geometry.TileSamples];
    private readonly double[] _scratch = new double[geometry.TileSamples * geometry.TileSamples];
    private readonly FieldPeak[] _peakBuffer = new FieldPeak[Math.Max(1, peaksPerTick)];
    private readonly List<PeakCandidate> _candidates = [];

    public SpaceTick Aggregate(string space, long seq, DateTime utcNow, IReadOnlyDictionary<(int Cx, int Cy), CellReport> reports, double previousGlobalResonance)
    {
        int participants = 0, memories = 0;
        double sumResonance = 0;
        var phases = default(PhaseSum);
        var stats = FieldStats.Empty;
        _candidates.Clear();
        foreach (var r in reports.Values)
        {
            participants += r.Participants;
            memories += r.MemoryNodes;
            sumResonance += r.SumResonance;
            phases += new PhaseSum(r.PhaseWeight, r.PhaseCos, r.PhaseSin);
            if (r.SampleCount > 0) stats = stats.Merge(new FieldStats(r.SampleCount, r.Min, r.Max, r.Sum, r.SumSquares));
            _candidates.AddRange(r.Peaks);
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
                int n = PeakFinder.TopLocalMaxima(composed, region, _peakBuffer);
                for (int k = 0; k < n; k++) _candidates.Add(new PeakCandidate(_peakBuffer[k].I, _peakBuffer[k].J, _peakBuffer[k].Value, 0));
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
            Peaks = MergePeaks(),
            CellsReporting = reports.Count,
        };
    }

    /// <summary>
    /// Highest candidates first; a candidate next to (8-neighbourhood) an already chosen one is dropped, which removes
    /// the duplicates tile-local maxima produce on either side of a seam.
    /// </summary>
    private FieldPeakInfo[] MergePeaks()
    {
        _candidates.Sort(static (a, b) => b.Intensity.CompareTo(a.Intensity));
        var chosen = new List<PeakCandidate>(_peakBuffer.Length);
        foreach (var c in _candidates)
        {
            if (chosen.Count == _peakBuffer.Length) break;
            bool adjacent = false;
            foreach (var p in chosen)
                if (Math.Abs(p.I - c.I) <= 1 && Math.Abs(p.J - c.J) <= 1) { adjacent = true; break; }
            if (!adjacent) chosen.Add(c);
        }
        double h = geometry.Grid.Spacing;
        var result = new FieldPeakInfo[chosen.Count];
        for (int k = 0; k < result.Length; k++)
            result[k] = new FieldPeakInfo(chosen[k].I * h, chosen[k].J * h, chosen[k].Intensity, chosen[k].NodeSum);
        return result;
    }
}

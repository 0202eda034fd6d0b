using Resonance.Grains;

namespace Resonance.Tests.Events;

/// <summary>
/// An independent, deliberately plain re-implementation of the rollup rules (see Grains/Rollups/KMeans.cs for the rule
/// text) used to check what the rollup grain stored.
/// </summary>
public static class ReferenceRollup
{
    public sealed record Raw(Guid UserId, double? X, double? Y, double? Resonance);

    public static MinuteRollup Compute(string space, DateTime minute, IReadOnlyList<Raw> events)
    {
        var withR = events.Where(e => e.Resonance.HasValue).ToList();
        var positions = events.Where(e => e.X.HasValue && e.Y.HasValue).Select(e => (e.X!.Value, e.Y!.Value)).ToList();
        return new MinuteRollup
        {
            Space = space,
            MinuteUtc = minute,
            AvgResonance = withR.Count > 0 ? withR.Sum(e => e.Resonance!.Value) / withR.Count : null,
            ActiveUsers = events.Select(e => e.UserId).ToHashSet().Count,
            EventCount = events.Count,
            CentroidX = positions.Count > 0 ? positions.Sum(p => p.Item1) / positions.Count : null,
            CentroidY = positions.Count > 0 ? positions.Sum(p => p.Item2) / positions.Count : null,
            Clusters = KMeans(positions),
        };
    }

    private static double D2((double X, double Y) a, (double X, double Y) b) => (a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y);

    public static EventCluster[] KMeans(List<(double X, double Y)> input)
    {
        if (input.Count == 0) return [];
        var pts = input.OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        int distinct = pts.Distinct().Count();
        int k = Math.Min(10, Math.Min(distinct, Math.Max(1, (int)Math.Floor(Math.Sqrt(pts.Count / 2.0) + 0.5))));
        var mean = (pts.Average(p => p.X), pts.Average(p => p.Y));

        // Farthest-point seeding from the point nearest the centroid; the first index wins ties.
        var centers = new List<(double X, double Y)> { pts.MinBy(p => D2(p, mean)) };
        while (centers.Count < k)
        {
            var far = pts.Select((p, i) => (d: centers.Min(c => D2(p, c)), i)).Aggregate((a, b) => b.d > a.d ? b : a);
            centers.Add(pts[far.i]);
        }

        int[]? assign = null;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            var next = pts.Select(p => Enumerable.Range(0, k).Aggregate((a, b) => D2(p, centers[b]) < D2(p, centers[a]) ? b : a)).ToArray();
            if (assign is not null && next.SequenceEqual(assign)) break;
            assign = next;
            for (int c = 0; c < k; c++)
            {
                var members = pts.Where((_, i) => assign[i] == c).ToList();
                if (members.Count > 0) centers[c] = (members.Sum(m => m.X) / members.Count, members.Sum(m => m.Y) / members.Count);
            }
        }
        return Enumerable.Range(0, k).Select(c =>
        {
            var members = pts.Where((_, i) => assign![i] == c).ToList();
            return new EventCluster { X = centers[c].X, Y = centers[c].Y, Count = members.Count, SumSquares = members.Sum(m => D2(m, centers[c])) };
        }).ToArray();
    }

    public static void AssertEqual(MinuteRollup expected, MinuteRollup actual)
    {
        const double Tol = 1e-9;
        Assert.Equal(expected.MinuteUtc, actual.MinuteUtc);
        Assert.Equal(expected.EventCount, actual.EventCount);
        Assert.Equal(expected.ActiveUsers, actual.ActiveUsers);
        Close(expected.AvgResonance, actual.AvgResonance);
        Close(expected.CentroidX, actual.CentroidX);
        Close(expected.CentroidY, actual.CentroidY);
        Assert.Equal(expected.Clusters.Length, actual.Clusters.Length);
        for (int c = 0; c < expected.Clusters.Length; c++)
        {
            var (e, a) = (expected.Clusters[c], actual.Clusters[c]);
            Assert.Equal(e.Count, a.Count);
            Assert.True(Math.Abs(e.X - a.X) <= Tol && Math.Abs(e.Y - a.Y) <= Tol, $"cluster {c}: ({e.X}, {e.Y}) vs ({a.X}, {a.Y})");
            Assert.True(Math.Abs(e.SumSquares - a.SumSquares) <= Tol * (1 + e.SumSquares), $"cluster {c}: sse {e.SumSquares} vs {a.SumSquares}");
        }

        static void Close(double? e, double? a)
        {
            Assert.Equal(e.HasValue, a.HasValue);
            if (e is { } ev) Assert.True(Math.Abs(ev - a!.Value) <= Tol, $"{ev} vs {a}");
        }
    }
}

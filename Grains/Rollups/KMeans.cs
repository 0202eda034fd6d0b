namespace Resonance.Grains.Rollups;

/// <summary>
/// Deterministic k-means of 2-D points, so any silo (and a test's independent reference) gets the same clusters:
/// <list type="bullet">
/// <item>points are sorted by (x, y), which makes the result depend only on the multiset of points;</item>
/// <item>k = min(10, distinct points, max(1, round(sqrt(n / 2))));</item>
/// <item>farthest-point seeding: the point nearest the centroid first, then repeatedly the point farthest from all chosen
/// seeds (ties: the first in sort order);</item>
/// <item>Lloyd iterations (ties: the lowest cluster index) until no assignment changes, at most 100; an emptied cluster
/// keeps its centre.</item>
/// </list>
/// Clusters come out in seeding order with their member count and within-cluster sum of squared distances.
/// </summary>
public static class KMeans
{
    public const int MaxK = 10;
    public const int MaxIterations = 100;

    public static int ChooseK(int count, int distinct) =>
        count == 0 ? 0 : Math.Min(Math.Min(MaxK, distinct), Math.Max(1, (int)Math.Round(Math.Sqrt(count / 2.0), MidpointRounding.AwayFromZero)));

    public static EventCluster[] Cluster(IEnumerable<(double X, double Y)> input)
    {
        var points = input.OrderBy(p => p.X).ThenBy(p => p.Y).ToArray();
        int n = points.Length;
        if (n == 0) return [];
        int distinct = 1;
        for (int i = 1; i < n; i++) if (points[i] != points[i - 1]) distinct++;
        int k = ChooseK(n, distinct);

        double mx = 0, my = 0;
        foreach (var p in points) { mx += p.X; my += p.Y; }
        mx /= n;
        my /= n;

        var cx = new double[k];
        var cy = new double[k];
        var nearest = new double[n];
        int first = 0;
        for (int i = 1; i < n; i++)
            if (Dist2(points[i], mx, my) < Dist2(points[first], mx, my)) first = i;
        (cx[0], cy[0]) = points[first];
        for (int i = 0; i < n; i++) nearest[i] = Dist2(points[i], cx[0], cy[0]);
        for (int c = 1; c < k; c++)
        {
            int far = 0;
            for (int i = 1; i < n; i++) if (nearest[i] > nearest[far]) far = i;
            (cx[c], cy[c]) = points[far];
            for (int i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], Dist2(points[i], cx[c], cy[c]));
        }

        var assignment = new int[n];
        Array.Fill(assignment, -1);
        var sx = new double[k];
        var sy = new double[k];
        var count = new int[k];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (Dist2(points[i], cx[c], cy[c]) < Dist2(points[i], cx[best], cy[best])) best = c;
                if (assignment[i] != best) { assignment[i] = best; changed = true; }
            }
            if (!changed) break;
            Array.Clear(sx);
            Array.Clear(sy);
            Array.Clear(count);
            for (int i = 0; i < n; i++)
            {
                sx[assignment[i]] += points[i].X;
                sy[assignment[i]] += points[i].Y;
                count[assignment[i]]++;
            }
            for (int c = 0; c < k; c++)
                if (count[c] > 0) { cx[c] = sx[c] / count[c]; cy[c] = sy[c] / count[c]; }
        }

        var sse = new double[k];
        Array.Clear(count);
        for (int i = 0; i < n; i++)
        {
            sse[assignment[i]] += Dist2(points[i], cx[assignment[i]], cy[assignment[i]]);
            count[assignment[i]]++;
        }
        var clusters = new EventCluster[k];
        for (int c = 0; c < k; c++) clusters[c] = new EventCluster { X = cx[c], Y = cy[c], Count = count[c], SumSquares = sse[c] };
        return clusters;
    }

    private static double Dist2((double X, double Y) p, double x, double y) => (p.X - x) * (p.X - x) + (p.Y - y) * (p.Y - y);
}

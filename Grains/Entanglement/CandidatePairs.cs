namespace Resonance.Grains.Entanglement;

/// <summary>
/// The detection kernel of one cell and one tick. A cell holds its members and every participant near enough to reach
/// its tile (its neighbours' nodes), so the candidates of a member are found among those — never among all pairs. The
/// pair (a, b) is evaluated by the cell of whichever has the smaller id, so each pair is evaluated exactly once.
/// </summary>
public static class CandidatePairs
{
    /// <summary>
    /// Appends a reading for every pair (a in <paramref name="members"/>, b in <paramref name="held"/>) with a.Id &lt; b.Id
    /// and |a - b| &lt;= <paramref name="radius"/>; <paramref name="held"/> includes the members. Returns the number of
    /// pairs whose PLV was computed. Allocation-free once <paramref name="readings"/> has grown.
    /// </summary>
    public static int Scan(ReadOnlySpan<TrackedPhase> members, ReadOnlySpan<TrackedPhase> held, double radius, long tick,
        PhaseLocking locking, List<PairReading> readings)
        => Scan(members, held, radius, tick, locking, readings, start: 0, maxReadings: int.MaxValue, maxChecks: long.MaxValue, out _);

    /// <summary>
    /// The bounded scan: members are taken in order from <paramref name="start"/> (wrapping around), each member's row
    /// complete, and no new member is started once <paramref name="maxReadings"/> candidate pairs were read or
    /// <paramref name="maxChecks"/> distances compared (at least one member is always scanned). Where participants are
    /// dense the cell thus spreads the work over several ticks instead of growing with the square of the density;
    /// <paramref name="scanned"/> tells how many members (from <paramref name="start"/>) were covered.
    /// </summary>
    public static int Scan(ReadOnlySpan<TrackedPhase> members, ReadOnlySpan<TrackedPhase> held, double radius, long tick,
        PhaseLocking locking, List<PairReading> readings, int start, int maxReadings, long maxChecks, out int scanned)
    {
        double r2 = radius * radius;
        int evaluated = 0, before = readings.Count;
        long checks = 0;
        scanned = 0;
        for (int k = 0; k < members.Length; k++)
        {
            if (k > 0 && (readings.Count - before >= maxReadings || checks >= maxChecks)) break;
            int i = (start + k) % members.Length;
            scanned++;
            checks += held.Length;
            ref readonly var a = ref members[i];
            bool aComplete = a.History.IsCompleteAt(tick);
            for (int j = 0; j < held.Length; j++)
            {
                ref readonly var b = ref held[j];
                double dx = a.X - b.X, dy = a.Y - b.Y;
                if (dx * dx + dy * dy > r2 || a.Id.CompareTo(b.Id) >= 0) continue;
                if (aComplete && b.History.IsCompleteAt(tick))
                {
                    var (plv, ratio) = locking.Best(a.History, b.History);
                    readings.Add(new PairReading(i, j, plv, ratio));
                    evaluated++;
                }
                else
                {
                    readings.Add(new PairReading(i, j, double.NaN, 0));
                }
            }
        }
        return evaluated;
    }
}

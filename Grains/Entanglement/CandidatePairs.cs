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
    {
        double r2 = radius * radius;
        int evaluated = 0;
        for (int i = 0; i < members.Length; i++)
        {
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

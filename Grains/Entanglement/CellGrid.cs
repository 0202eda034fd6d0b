namespace Resonance.Grains.Entanglement;

/// <summary>
/// A whole space's participants bucketed into cells of side S the way the cell grains hold them: each cell's members,
/// and the participants of its 3 x 3 neighbourhood (a superset of what a cell grain holds; the scan's distance test
/// does the rest, and radius &lt;= S makes the neighbourhood enough). Built once; scanning it allocates nothing. Used to
/// check and measure the detection kernel over many cells without a cluster.
/// </summary>
public sealed class CellGrid
{
    private readonly TrackedPhase[][] _members;
    private readonly TrackedPhase[][] _held;

    public CellGrid(IReadOnlyList<TrackedPhase> participants, double width, double height, double cellSize)
    {
        CellsX = Math.Max(1, (int)Math.Ceiling(width / cellSize));
        CellsY = Math.Max(1, (int)Math.Ceiling(height / cellSize));
        var buckets = new List<TrackedPhase>[CellsX * CellsY];
        for (int c = 0; c < buckets.Length; c++) buckets[c] = [];
        foreach (var p in participants)
        {
            int cx = Math.Clamp((int)Math.Floor(p.X / cellSize), 0, CellsX - 1);
            int cy = Math.Clamp((int)Math.Floor(p.Y / cellSize), 0, CellsY - 1);
            buckets[cy * CellsX + cx].Add(p);
        }
        _members = new TrackedPhase[buckets.Length][];
        _held = new TrackedPhase[buckets.Length][];
        for (int cy = 0; cy < CellsY; cy++)
            for (int cx = 0; cx < CellsX; cx++)
            {
                var held = new List<TrackedPhase>();
                for (int ny = Math.Max(0, cy - 1); ny <= Math.Min(CellsY - 1, cy + 1); ny++)
                    for (int nx = Math.Max(0, cx - 1); nx <= Math.Min(CellsX - 1, cx + 1); nx++)
                        held.AddRange(buckets[ny * CellsX + nx]);
                _members[cy * CellsX + cx] = [.. buckets[cy * CellsX + cx]];
                _held[cy * CellsX + cx] = [.. held];
            }
    }

    public int CellsX { get; }
    public int CellsY { get; }
    public int Cells => _members.Length;

    public ReadOnlySpan<TrackedPhase> Members(int cell) => _members[cell];

    public ReadOnlySpan<TrackedPhase> Held(int cell) => _held[cell];

    /// <summary>One tick of detection over every cell; returns the pairs whose PLV was computed. <paramref name="readings"/> is cleared per cell.</summary>
    public int ScanAll(long tick, double radius, PhaseLocking locking, List<PairReading> readings)
    {
        int evaluated = 0;
        for (int c = 0; c < _members.Length; c++)
        {
            readings.Clear();
            evaluated += CandidatePairs.Scan(_members[c], _held[c], radius, tick, locking, readings);
        }
        return evaluated;
    }
}

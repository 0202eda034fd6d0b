using Resonance.Grains.Field;

namespace Resonance.Grains.Spaces;

/// <summary>
/// The space's top peaks of the node field from its cells' reports: the peaks the cells decided, plus the plateau pieces on
/// seams, which are joined across tiles (equal neighbours) and dropped when a neighbouring tile's border exceeds them. The
/// result is what <see cref="TilePeakFinder"/> would give on the whole grid at once. A cell that does not report holds no
/// node, so its node field is 0. Reports are each cell's latest, so a node moving across a seam can make one tick's answer
/// mix two ticks. Pure logic; buffers are kept between ticks.
/// </summary>
public sealed class PeakMerger(SpaceGeometry geometry)
{
    private readonly List<(int Piece, EdgePeakSample Sample, int Cx, int Cy)> _members = [];
    private readonly Dictionary<long, int> _pieceOfSample = [];
    private readonly List<PeakCandidate> _candidates = [];
    private int[] _parent = [];
    private bool[] _exceeded = [];
    private long[] _count = [], _sumI = [], _sumJ = [];
    private int[] _centre = [];
    private double[] _centreD2 = [];

    public FieldPeakInfo[] Merge(IReadOnlyDictionary<(int Cx, int Cy), CellReport> reports, int count)
    {
        _candidates.Clear();
        _members.Clear();
        _pieceOfSample.Clear();
        int pieces = 0;
        foreach (var ((cx, cy), r) in reports)
        {
            _candidates.AddRange(r.Peaks);
            int pieceBase = pieces;
            foreach (var e in r.EdgePeaks)
            {
                int piece = pieceBase + e.Piece;
                _members.Add((piece, e, cx, cy));
                _pieceOfSample[Key(e.I, e.J)] = piece;
                pieces = Math.Max(pieces, piece + 1);
            }
        }
        if (pieces > 0) JoinPieces(reports, pieces);

        _candidates.Sort(static (a, b) =>
            PeakOrder.Before(a.NodeSum, a.I, a.J, b.NodeSum, b.I, b.J) ? -1 : PeakOrder.Before(b.NodeSum, b.I, b.J, a.NodeSum, a.I, a.J) ? 1 : 0);
        double h = geometry.Grid.Spacing;
        var result = new FieldPeakInfo[Math.Min(count, _candidates.Count)];
        for (int k = 0; k < result.Length; k++)
            result[k] = new FieldPeakInfo(_candidates[k].I * h, _candidates[k].J * h, _candidates[k].Intensity, _candidates[k].NodeSum);
        return result;
    }

    private void JoinPieces(IReadOnlyDictionary<(int Cx, int Cy), CellReport> reports, int pieces)
    {
        if (_parent.Length < pieces)
        {
            int size = Math.Max(pieces, 2 * _parent.Length);
            _parent = new int[size];
            _exceeded = new bool[size];
            _count = new long[size];
            _sumI = new long[size];
            _sumJ = new long[size];
            _centre = new int[size];
            _centreD2 = new double[size];
        }
        for (int p = 0; p < pieces; p++)
        {
            _parent[p] = p;
            _exceeded[p] = false;
            _count[p] = _sumI[p] = _sumJ[p] = 0;
            _centre[p] = -1;
            _centreD2[p] = double.PositiveInfinity;
        }

        // Look across the seam from every member: a higher neighbour sinks the piece, an equal one joins its plateau.
        int columns = geometry.Grid.Columns, rows = geometry.Grid.Rows, t = geometry.TileSamples;
        foreach (var (piece, m, cx, cy) in _members)
        {
            var own = geometry.CellRegion(cx, cy);
            for (int j = Math.Max(0, m.J - 1); j <= Math.Min(rows - 1, m.J + 1); j++)
                for (int i = Math.Max(0, m.I - 1); i <= Math.Min(columns - 1, m.I + 1); i++)
                {
                    if (own.Contains(i, j)) continue;
                    double v = 0;
                    if (reports.TryGetValue((i / t, j / t), out var other))
                    {
                        var region = geometry.CellRegion(i / t, j / t);
                        if (other.NodeBorder.Length != TileBorder.Length(region)) continue; // an older silo: cannot tell
                        v = TileBorder.ValueAt(other.NodeBorder, region, i, j);
                    }
                    if (PlateauRule.Exceeds(v, m.NodeSum)) _exceeded[piece] = true;
                    else if (PlateauRule.Equal(v, m.NodeSum))
                    {
                        // An equal neighbour in no piece belongs to a plateau its own cell found exceeded (or below the floor).
                        if (_pieceOfSample.TryGetValue(Key(i, j), out int joined)) Union(piece, joined);
                        else _exceeded[piece] = true;
                    }
                }
        }

        for (int p = 0; p < pieces; p++)
            if (_exceeded[p]) _exceeded[Find(p)] = true;
        foreach (var (piece, m, _, _) in _members)
        {
            int root = Find(piece);
            _count[root]++;
            _sumI[root] += m.I;
            _sumJ[root] += m.J;
        }
        for (int k = 0; k < _members.Count; k++)
        {
            var m = _members[k].Sample;
            int root = Find(_members[k].Piece);
            if (_exceeded[root]) continue;
            double dx = m.I - (double)_sumI[root] / _count[root], dy = m.J - (double)_sumJ[root] / _count[root], d2 = dx * dx + dy * dy;
            int best = _centre[root];
            if (best < 0 || PeakOrder.NearerCentre(d2, m.I, m.J, _centreD2[root], _members[best].Sample.I, _members[best].Sample.J))
            {
                _centre[root] = k;
                _centreD2[root] = d2;
            }
        }
        for (int p = 0; p < pieces; p++)
        {
            if (Find(p) != p || _exceeded[p] || _centre[p] < 0) continue;
            var c = _members[_centre[p]].Sample;
            _candidates.Add(new PeakCandidate(c.I, c.J, c.Intensity, c.NodeSum));
        }
    }

    private static long Key(int i, int j) => ((long)j << 32) | (uint)i;

    private int Find(int p)
    {
        while (_parent[p] != p)
        {
            _parent[p] = _parent[_parent[p]];
            p = _parent[p];
        }
        return p;
    }

    private void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a != b) _parent[Math.Max(a, b)] = Math.Min(a, b);
    }
}

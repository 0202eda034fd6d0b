using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Xunit;

namespace Resonance.Tests.Field;

/// <summary>
/// Peaks of the node field (plateaus count once, at their centre) on saturated and unsaturated fields: the tile finder on a
/// whole grid, and the cells-plus-merger path on tiled grids, both against <see cref="ReferencePeaks"/>.
/// </summary>
public class PeakTests
{
    /// <summary>Grids of every shape the tests use: smooth node fields, saturated (clamped) ones, plateaus, flat, NaN.</summary>
    private static double[] Field(Random rnd, int columns, int rows, int kind)
    {
        var region = new TileRegion(0, 0, columns, rows, 1);
        var kernel = KernelSpec.Exponential(cutoff: 10);
        var v = new double[region.Count];
        if (kind < 4)
            FieldComputer.Recompute(v, region, kernel, FieldTestData.Sources(rnd, region, kernel, 3 + rnd.Next(40)).ToArray());
        switch (kind)
        {
            case 1: // saturated: the clamp at 1 makes wide plateaus that cross tiles
                for (int k = 0; k < v.Length; k++) v[k] = Math.Clamp(0.4 * v[k], 0, 1);
                break;
            case 2: // nodes on half-samples and lattice points: ties between neighbours, exact by symmetry
            {
                Array.Clear(v);
                var nodes = Enumerable.Range(0, 1 + rnd.Next(6)).Select(_ => new FieldSource(
                    rnd.Next(columns * 2) / 2.0, rnd.Next(rows * 2) / 2.0, 0.5, 0)).ToArray();
                FieldComputer.Recompute(v, region, KernelSpec.Gaussian(cutoff: 6, sigma: 1.5), nodes);
                break;
            }
            case 3: // quantised: many plateaus of every shape, some touching the floor
                for (int k = 0; k < v.Length; k++) v[k] = Math.Round(v[k] * 2) / 2;
                break;
            case 4: // constant
                Array.Fill(v, 0.75);
                break;
            case 5: // noise with NaN holes
                for (int k = 0; k < v.Length; k++) v[k] = rnd.Next(20) == 0 ? double.NaN : Math.Round(rnd.NextDouble() * 4) / 4;
                break;
        }
        return v;
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    public void Whole_grid_peaks_equal_the_reference(int kind)
    {
        var rnd = new Random(100 + kind);
        var finder = new TilePeakFinder();
        for (int rep = 0; rep < 40; rep++)
        {
            int columns = rnd.Next(1, 45), rows = rnd.Next(1, 35);
            var v = Field(rnd, columns, rows, kind);
            var expected = ReferencePeaks.Find(v, columns, rows);
            foreach (int k in new[] { 1, 3, 1000 })
            {
                var dest = new FieldPeak[k];
                var found = finder.Find(v, new TileRegion(0, 0, columns, rows, 1), columns, rows, dest, []);
                Assert.Equal(0, found.EdgeMembers);
                Assert.Equal(expected.Take(k).Select(p => new FieldPeak(p.I, p.J, p.Value)).ToList(), dest.Take(found.Peaks).ToList());
            }
        }
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    public void Tiled_cells_and_the_merger_give_the_whole_grids_peaks(int kind)
    {
        var rnd = new Random(200 + kind);
        for (int rep = 0; rep < 30; rep++)
        {
            int tile = rnd.Next(3, 12), columns = rnd.Next(1, 50), rows = rnd.Next(1, 40);
            var v = Field(rnd, columns, rows, kind);
            int k = rnd.Next(2) == 0 ? 8 : 1000;
            var peaks = Tiled(v, columns, rows, tile, k);
            var expected = ReferencePeaks.Find(v, columns, rows).Take(k).ToList();
            Assert.Equal(expected.Select(p => (p.I * 1.0, p.J * 1.0, p.Value)), peaks.Select(p => (p.X, p.Y, p.Resonance)));
            // Intensity is the composed value where the peak is (here a stand-in: the node value halved).
            Assert.All(peaks, p => Assert.Equal(p.Resonance / 2, p.Intensity));
        }
    }

    [Fact]
    public void A_saturated_disc_across_four_tiles_is_one_peak_at_its_centre()
    {
        // One strong node at a tile corner: clamped, its top is a disc of 1s split over four tiles.
        var region = new TileRegion(0, 0, 30, 30, 1);
        var v = new double[region.Count];
        FieldComputer.Recompute(v, region, KernelSpec.Exponential(cutoff: 10), new[] { new FieldSource(10, 10, 3, 0) });
        for (int k = 0; k < v.Length; k++) v[k] = Math.Min(1, v[k]);
        Assert.True(v.Count(x => x == 1) > 50, "the test needs a wide plateau");

        var peaks = Tiled(v, 30, 30, 10, 8);
        Assert.Equal([(10.0, 10.0, 1.0)], peaks.Select(p => (p.X, p.Y, p.Resonance)));

        // Off the corner, the centre follows the node (a disc is symmetric about the sample nearest it).
        FieldComputer.Recompute(v, region, KernelSpec.Exponential(cutoff: 10), new[] { new FieldSource(17.2, 8.9, 1.5, 0) });
        for (int k = 0; k < v.Length; k++) v[k] = Math.Min(1, v[k]);
        Assert.Equal([(17.0, 9.0, 1.0)], Tiled(v, 30, 30, 10, 8).Select(p => (p.X, p.Y, p.Resonance)));
    }

    [Fact]
    public void A_flat_zero_field_has_no_peak_and_a_flat_positive_one_has_one_in_the_middle()
    {
        Assert.Empty(Tiled(new double[30 * 30], 30, 30, 10, 8));
        var flat = Enumerable.Repeat(1.0, 31 * 21).ToArray();
        Assert.Equal([(15.0, 10.0, 1.0)], Tiled(flat, 31, 21, 10, 8).Select(p => (p.X, p.Y, p.Resonance)));
    }

    [Fact]
    public void The_tile_finder_allocates_nothing_once_warm()
    {
        var rnd = new Random(5);
        var v = Field(rnd, 10, 10, 1);
        var finder = new TilePeakFinder();
        var region = new TileRegion(10, 10, 10, 10, 1);
        var peaks = new FieldPeak[8];
        var edge = new PlateauMember[region.Count];
        finder.Find(v, region, 30, 30, peaks, edge);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 100; k++) finder.Find(v, region, 30, 30, peaks, edge);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// Cuts the grid into cells of <paramref name="tile"/> samples, runs each cell's part as CellGrain does (cells whose
    /// tile is all zero hold no node and do not report) and merges as the space does.
    /// </summary>
    private static FieldPeakInfo[] Tiled(double[] v, int columns, int rows, int tile, int k)
    {
        var geometry = SpaceGeometry.Create(new SpaceConfig { Width = columns, Height = rows, Cutoff = tile, CellSize = tile, Background = "none" });
        Assert.Equal(tile, geometry.TileSamples);
        var reports = new Dictionary<(int, int), CellReport>();
        var finder = new TilePeakFinder();
        for (int cy = 0; cy < geometry.CellsY; cy++)
            for (int cx = 0; cx < geometry.CellsX; cx++)
            {
                var region = geometry.CellRegion(cx, cy);
                var values = new double[region.Count];
                for (int jj = 0; jj < region.Height; jj++)
                    for (int ii = 0; ii < region.Width; ii++)
                        values[jj * region.Width + ii] = v[(region.J0 + jj) * columns + region.I0 + ii];
                if (values.All(x => x == 0)) continue;
                var peaks = new FieldPeak[k];
                var edge = new PlateauMember[region.Count];
                var found = finder.Find(values, region, columns, rows, peaks, edge);
                var border = new double[TileBorder.Length(region)];
                TileBorder.Extract(values, region, border);
                reports[(cx, cy)] = new CellReport
                {
                    Cx = cx,
                    Cy = cy,
                    Peaks = peaks.Take(found.Peaks).Select(p => new PeakCandidate(p.I, p.J, p.Value / 2, p.Value)).ToArray(),
                    EdgePeaks = edge.Take(found.EdgeMembers).Select(m => new EdgePeakSample(m.Piece, m.I, m.J, m.Value / 2, m.Value)).ToArray(),
                    NodeBorder = border,
                };
            }
        return new PeakMerger(geometry).Merge(reports, k);
    }
}

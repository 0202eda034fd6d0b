using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

/// <summary>
/// Incremental maintenance (FieldTile) == full recompute (FieldComputer, single- and multi-threaded) == naive reference,
/// over random sequences of joins, moves, re-weights and leaves.
/// </summary>
public class IncrementalFieldTests
{
    private const double Tolerance = 1e-9;

    public static TheoryData<int, int, double> Cases()
    {
        var data = new TheoryData<int, int, double>();
        foreach (int seed in new[] { 1, 7, 42 })
        for (int kernel = 0; kernel < FieldTestData.Kernels.Length; kernel++)
        foreach (double spacing in new[] { 1.0, 0.5 })
            data.Add(seed, kernel, spacing);
        return data;
    }

    private enum Op { Join, Move, Reweight, Leave, Rephase }

    /// <summary>Applies a random operation to the live node set, and returns (old, new) (either may be null).</summary>
    private static (FieldSource? Old, FieldSource? New) Step(Random rnd, List<FieldSource> live, TileRegion region, KernelSpec kernel)
    {
        var op = live.Count < 5 ? Op.Join : (Op)rnd.Next(5);
        if (op == Op.Join || live.Count == 0)
        {
            var s = FieldTestData.Source(rnd, region, kernel);
            live.Add(s);
            return (null, s);
        }
        int k = rnd.Next(live.Count);
        var old = live[k];
        FieldSource? @new = op switch
        {
            Op.Move => rnd.Next(3) == 0
                ? FieldTestData.Source(rnd, region, kernel) with { Strength = old.Strength, Phase = old.Phase } // jump
                : old with { X = old.X + (rnd.NextDouble() - 0.5) * 3 * region.Spacing, Y = old.Y + (rnd.NextDouble() - 0.5) * 3 * region.Spacing },
            Op.Reweight => old with { Strength = rnd.NextDouble() },
            Op.Rephase => old with { Phase = rnd.NextDouble() * Phase.TwoPi, Strength = rnd.NextDouble() },
            _ => null,
        };
        if (@new is { } n) live[k] = n; else live.RemoveAt(k);
        return (old, @new);
    }

    private static void Apply(FieldTile tile, KernelSpec kernel, FieldSource? old, FieldSource? @new)
    {
        if (old is { } o && @new is { } n) tile.Move(kernel, o, n);
        else if (old is { } o2) tile.Remove(kernel, o2);
        else if (@new is { } n2) tile.Add(kernel, n2);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Incremental_EqualsRecompute_EqualsReference(int seed, int kernelIndex, double spacing)
    {
        var kernel = FieldTestData.KernelByIndex(kernelIndex);
        var grid = new SampleGrid(40, 28, spacing); // 40x28 (h = 1) or 80x56 (h = 0.5) samples
        grid.Validate();
        var region = TileRegion.Whole(grid);
        var rnd = new Random(seed * 1000 + kernelIndex * 10 + (int)(spacing * 4));
        var tile = new FieldTile(region);
        var live = new List<FieldSource>();
        var recomputed = new double[region.Count];

        for (int step = 1; step <= 300; step++)
        {
            var (old, @new) = Step(rnd, live, region, kernel);
            Apply(tile, kernel, old, @new);
            if (step % 60 != 0) continue;

            double[] reference = ReferenceField.NodeSum(grid, kernel, live);
            Assert.True(ReferenceField.MaxAbsDiff(tile.Values, reference) <= Tolerance,
                $"incremental vs reference after {step} steps: {ReferenceField.MaxAbsDiff(tile.Values, reference)}");

            FieldComputer.Recompute(recomputed, region, kernel, live.ToArray(), maxDegreeOfParallelism: 1);
            Assert.True(ReferenceField.MaxAbsDiff(recomputed, reference) <= Tolerance, "single-threaded recompute vs reference");

            // Force the banded multi-threaded path on this small grid (bands of 3 rows, 2 threads).
            Array.Fill(recomputed, double.NaN);
            FieldComputer.RecomputeBanded(recomputed, region, kernel, live.ToArray(), dop: 2, bandRows: 3);
            Assert.True(ReferenceField.MaxAbsDiff(recomputed, reference) <= Tolerance, "banded recompute vs reference");

            Array.Fill(recomputed, double.NaN);
            FieldComputer.Recompute(recomputed, region, kernel, live.ToArray(), maxDegreeOfParallelism: 2);
            Assert.True(ReferenceField.MaxAbsDiff(recomputed, reference) <= Tolerance, "recompute (dop 2) vs reference");
        }
        Assert.True(live.Count > 5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TileByTile_AssembledEqualsReference(int seed, int kernelIndex, double spacing)
    {
        var kernel = FieldTestData.KernelByIndex(kernelIndex);
        var grid = new SampleGrid(40, 30, spacing);
        grid.Validate();
        var whole = TileRegion.Whole(grid);
        const int tileSize = 10;
        var tiles = new List<FieldTile>();
        for (int j0 = 0; j0 < grid.Rows; j0 += tileSize)
        for (int i0 = 0; i0 < grid.Columns; i0 += tileSize)
            tiles.Add(new FieldTile(new TileRegion(i0, j0, Math.Min(tileSize, grid.Columns - i0), Math.Min(tileSize, grid.Rows - j0), spacing)));

        var rnd = new Random(seed * 7919 + kernelIndex);
        var live = new List<FieldSource>();
        double r2 = kernel.Cutoff * kernel.Cutoff;
        int skipped = 0;
        for (int step = 1; step <= 250; step++)
        {
            var (old, @new) = Step(rnd, live, whole, kernel);
            foreach (var tile in tiles)
            {
                // Only the tiles a footprint reaches are told (as the cell grains would do).
                bool oldReaches = old is { } o && tile.Region.DistanceSquaredTo(o.X, o.Y) <= r2;
                bool newReaches = @new is { } n && tile.Region.DistanceSquaredTo(n.X, n.Y) <= r2;
                if (oldReaches && newReaches) tile.Move(kernel, old!.Value, @new!.Value);
                else if (oldReaches) tile.Remove(kernel, old!.Value);
                else if (newReaches) tile.Add(kernel, @new!.Value);
                else skipped++;
            }
        }

        var assembled = new double[whole.Count];
        foreach (var tile in tiles)
        {
            var r = tile.Region;
            for (int jj = 0; jj < r.Height; jj++)
                tile.Values.Slice(jj * r.Width, r.Width).CopyTo(assembled.AsSpan(whole.Index(r.I0, r.J0 + jj), r.Width));
        }
        double[] reference = ReferenceField.NodeSum(grid, kernel, live);
        Assert.True(ReferenceField.MaxAbsDiff(assembled, reference) <= Tolerance, $"seams: {ReferenceField.MaxAbsDiff(assembled, reference)}");
        Assert.True(skipped > 0, "some tiles should have been out of reach");
        Assert.Contains(reference, v => v != 0);
    }

    [Fact]
    public void LargeRecompute_MultiThreaded_EqualsReference()
    {
        var rnd = new Random(2024);
        var grid = new SampleGrid(200, 150, 1);
        var region = TileRegion.Whole(grid);
        foreach (var kernel in new[] { KernelSpec.Exponential(), KernelSpec.Harmonic() })
        {
            var nodes = FieldTestData.Sources(rnd, region, kernel, 600);
            var single = new double[region.Count];
            var multi = new double[region.Count];
            Array.Fill(multi, 123.0);
            FieldComputer.Recompute(single, region, kernel, nodes.ToArray(), 1);
            FieldComputer.Recompute(multi, region, kernel, nodes.ToArray(), 2);
            double[] reference = ReferenceField.NodeSum(grid, kernel, nodes);
            Assert.True(ReferenceField.MaxAbsDiff(single, reference) <= Tolerance);
            Assert.True(ReferenceField.MaxAbsDiff(multi, reference) <= Tolerance);
        }
    }

    [Fact]
    public void Recompute_OnSubRegion_EqualsReferenceOnThatRegion()
    {
        var rnd = new Random(5);
        var kernel = KernelSpec.Gaussian();
        var region = new TileRegion(37, 11, 23, 17, 0.5);
        var nodes = FieldTestData.Sources(rnd, region, kernel, 40);
        // Plus nodes far away that must be ignored.
        nodes.Add(new FieldSource(-100, -100, 1, 0));
        nodes.Add(new FieldSource(1e6, 3, 1, 0));
        var values = new double[region.Count + 5];
        Array.Fill(values, -7.0);
        FieldComputer.Recompute(values, region, kernel, nodes.ToArray());
        double[] reference = ReferenceField.NodeSum(region, kernel, nodes);
        Assert.True(ReferenceField.MaxAbsDiff(values.AsSpan(0, region.Count), reference) <= Tolerance);
        Assert.All(values.AsSpan(region.Count).ToArray(), v => Assert.Equal(-7.0, v)); // beyond region.Count untouched
    }

    [Fact]
    public void Recompute_NoSources_IsZero_AndValidatesArguments()
    {
        var region = new TileRegion(0, 0, 30, 30, 1);
        var values = new double[region.Count];
        Array.Fill(values, 3.0);
        FieldComputer.Recompute(values, region, KernelSpec.Exponential(), ReadOnlyMemory<FieldSource>.Empty);
        Assert.All(values, v => Assert.Equal(0.0, v));
        Assert.Throws<ArgumentException>(() => FieldComputer.Recompute(new double[10], region, KernelSpec.Exponential(), ReadOnlyMemory<FieldSource>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => FieldComputer.Recompute(values, region, KernelSpec.Exponential(), ReadOnlyMemory<FieldSource>.Empty, -1));
    }

    [Fact]
    public void FieldTile_ReweightAndNoOpMoves()
    {
        var region = new TileRegion(0, 0, 30, 30, 1);
        var kernel = KernelSpec.Exponential();
        var tile = new FieldTile(region);
        var a = new FieldSource(12.5, 7.25, 0.8, 1);
        tile.Add(kernel, a);
        tile.Move(kernel, a, a); // no-op
        var b = a with { Strength = 0.3 };
        tile.Move(kernel, a, b); // re-weight
        double[] reference = ReferenceField.NodeSum(region, kernel, [b]);
        Assert.True(ReferenceField.MaxAbsDiff(tile.Values, reference) <= 1e-13);
        tile.Remove(kernel, b);
        Assert.True(ReferenceField.MaxAbsDiff(tile.Values, new double[region.Count]) <= 1e-13);
        tile.Add(kernel, a);
        tile.Clear();
        Assert.All(tile.Array, v => Assert.Equal(0.0, v));
        Assert.Same(tile.Array, tile.Array);
        Assert.Equal(region, tile.Region);

        var restored = new FieldTile(region, (double[])reference.Clone());
        Assert.Equal(reference, restored.Values.ToArray());
        Assert.Throws<ArgumentException>(() => new FieldTile(region, new double[3]));
    }
}

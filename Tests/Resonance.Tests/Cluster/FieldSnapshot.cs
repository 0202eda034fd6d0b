using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;

namespace Resonance.Tests.Cluster;

/// <summary>Reads every cell's tile of a space and assembles the whole node-sum field from them.</summary>
public static class FieldSnapshot
{
    public static async Task<double[]> Assemble(IGrainFactory grains, string space, SpaceGeometry geometry)
    {
        var grid = geometry.Grid;
        var field = new double[grid.Columns * grid.Rows];
        var tiles = new List<Task<TileFrame>>();
        for (int cy = 0; cy < geometry.CellsY; cy++)
            for (int cx = 0; cx < geometry.CellsX; cx++)
                tiles.Add(grains.GetGrain<ICellGrain>(CellKey.Format(space, cx, cy)).GetTile());
        foreach (var tile in await Task.WhenAll(tiles))
            for (int j = 0; j < tile.Height; j++)
                Array.Copy(tile.Values, j * tile.Width, field, (tile.J0 + j) * grid.Columns + tile.I0, tile.Width);
        return field;
    }

    /// <summary>
    /// Polls until the space's assembled field equals <paramref name="reference"/> to 1e-9; when it does not in time, fails
    /// on the last assembly, so the message says where it differs.
    /// </summary>
    public static async Task AssertConverges(IGrainFactory grains, string space, SpaceGeometry geometry, double[] reference, string what)
    {
        double[] field;
        try
        {
            field = await Eventually.Until(() => Assemble(grains, space, geometry), f => MaxAbsDiff(f, reference) <= 1e-9, what: what);
        }
        catch (TimeoutException)
        {
            field = await Assemble(grains, space, geometry);
        }
        Assert.True(MaxAbsDiff(field, reference) <= 1e-9, DescribeDiff(field, reference, geometry.Grid.Columns));
    }

    /// <summary>Where two fields differ most, for failure messages.</summary>
    public static string DescribeDiff(double[] actual, double[] expected, int columns)
    {
        int worst = 0;
        for (int k = 1; k < actual.Length; k++)
            if (Math.Abs(actual[k] - expected[k]) > Math.Abs(actual[worst] - expected[worst])) worst = k;
        int differing = actual.Where((v, k) => Math.Abs(v - expected[k]) > 1e-9).Count();
        return $"max |diff| {Math.Abs(actual[worst] - expected[worst]):E3} at sample (i={worst % columns}, j={worst / columns}): " +
               $"actual {actual[worst]}, expected {expected[worst]}; {differing} samples differ";
    }

    public static double MaxAbsDiff(double[] a, double[] b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        for (int k = 0; k < a.Length; k++) max = Math.Max(max, Math.Abs(a[k] - b[k]));
        return max;
    }
}

using Resonance.Grains.Rollups;

namespace Resonance.Tests.Events;

public sealed class KMeansTests
{
    [Fact]
    public void Separated_blobs_are_found_and_the_result_does_not_depend_on_input_order()
    {
        var random = new Random(7);
        (double, double)[] blobs = [(5, 5), (25, 5), (15, 25)];
        var points = blobs.SelectMany(b => Enumerable.Range(0, 6).Select(_ => (b.Item1 + random.NextDouble() - 0.5, b.Item2 + random.NextDouble() - 0.5))).ToList();

        var clusters = KMeans.Cluster(points);   // 18 points: k = round(sqrt(9)) = 3
        Assert.Equal(3, clusters.Length);
        Assert.All(clusters, c => Assert.Equal(6, c.Count));
        foreach (var (bx, by) in blobs) Assert.Contains(clusters, c => Math.Abs(c.X - bx) < 0.5 && Math.Abs(c.Y - by) < 0.5);

        var shuffled = points.OrderBy(_ => random.Next()).ToList();
        Assert.Equal(clusters, KMeans.Cluster(shuffled));
        Assert.Equal(clusters, ReferenceRollup.KMeans(points));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 1, 1)]
    [InlineData(8, 8, 2)]
    [InlineData(200, 200, 10)]
    [InlineData(1000, 3, 3)]
    public void K_is_bounded_by_ten_and_by_the_distinct_points(int count, int distinct, int k) =>
        Assert.Equal(k, KMeans.ChooseK(count, distinct));

    [Fact]
    public void Identical_points_make_one_cluster_without_spread()
    {
        var clusters = KMeans.Cluster(Enumerable.Repeat((3.0, 4.0), 50));
        var c = Assert.Single(clusters);
        Assert.Equal((3.0, 4.0, 50, 0.0), (c.X, c.Y, c.Count, c.SumSquares));
    }
}

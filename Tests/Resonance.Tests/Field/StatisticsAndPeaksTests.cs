using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

public class StatisticsAndPeaksTests
{
    public static TheoryData<int> Lengths() => new() { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023, 4099 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Statistics_MatchNaiveLoop(int length)
    {
        var rnd = new Random(length + 1);
        for (int rep = 0; rep < 5; rep++)
        {
            double offset = rep * 3 - 6;
            double[] v = Enumerable.Range(0, length).Select(_ => rnd.NextDouble() * 4 + offset).ToArray();
            if (length > 0 && rep == 4) v[rnd.Next(length)] = -1000; // the extreme anywhere, including the tail
            if (length > 0 && rep == 3) v[length - 1] = 1000;
            var s = FieldStatistics.Compute(v);
            Assert.Equal(length, s.Count);
            if (length == 0)
            {
                Assert.Equal(FieldStats.Empty, s);
                Assert.Equal(0, s.Mean);
                Assert.Equal(0, s.Energy);
                continue;
            }
            double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sq = 0;
            foreach (double x in v) { min = Math.Min(min, x); max = Math.Max(max, x); sum += x; sq += x * x; }
            Assert.Equal(min, s.Min);
            Assert.Equal(max, s.Max);
            Assert.Equal(sum, s.Sum, 1e-12 * Math.Max(1, Math.Abs(sum)) * Math.Max(1, length));
            Assert.Equal(sq, s.SumSquares, 1e-12 * Math.Max(1, sq));
            Assert.Equal(sum / length, s.Mean, 1e-9);
            Assert.Equal(sq / length, s.Energy, 1e-9);
        }
    }

    [Fact]
    public void Statistics_Merge_EqualsWhole_AndNaNPropagates()
    {
        var rnd = new Random(8);
        double[] v = Enumerable.Range(0, 1000).Select(_ => rnd.NextDouble() - 0.3).ToArray();
        var whole = FieldStatistics.Compute(v);
        var merged = FieldStats.Empty.Merge(FieldStatistics.Compute(v.AsSpan(0, 337))).Merge(FieldStatistics.Compute(v.AsSpan(337)));
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.Min, merged.Min);
        Assert.Equal(whole.Max, merged.Max);
        Assert.Equal(whole.Sum, merged.Sum, 1e-10);
        Assert.Equal(whole.SumSquares, merged.SumSquares, 1e-10);

        foreach (int at in new[] { 0, 5, 500, 999 })
        {
            double[] withNaN = (double[])v.Clone();
            withNaN[at] = double.NaN;
            var s = FieldStatistics.Compute(withNaN);
            Assert.True(double.IsNaN(s.Min) && double.IsNaN(s.Max) && double.IsNaN(s.Sum), $"NaN at {at} must show");
        }
    }
}

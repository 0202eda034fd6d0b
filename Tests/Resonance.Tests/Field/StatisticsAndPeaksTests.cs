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

    /// <summary>The documented definition, literally, and a stable sort.</summary>
    private static List<FieldPeak> NaivePeaks(double[] v, TileRegion r, int k)
    {
        var peaks = new List<FieldPeak>();
        for (int jj = 0; jj < r.Height; jj++)
        for (int ii = 0; ii < r.Width; ii++)
        {
            double c = v[jj * r.Width + ii];
            bool peak = !double.IsNaN(c);
            for (int dj = -1; dj <= 1 && peak; dj++)
            for (int di = -1; di <= 1 && peak; di++)
            {
                if (di == 0 && dj == 0) continue;
                int ni = ii + di, nj = jj + dj;
                if (ni < 0 || nj < 0 || ni >= r.Width || nj >= r.Height) continue;
                double n = v[nj * r.Width + ni];
                bool before = nj < jj || (nj == jj && ni < ii);
                peak = before ? c > n : c >= n;
            }
            if (peak) peaks.Add(new FieldPeak(r.I0 + ii, r.J0 + jj, c));
        }
        return peaks.OrderByDescending(p => p.Value).Take(k).ToList();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Peaks_MatchNaive_OnRandomFields(int seed)
    {
        var rnd = new Random(seed);
        for (int rep = 0; rep < 60; rep++)
        {
            var region = new TileRegion(rnd.Next(100), rnd.Next(100), rnd.Next(1, 40), rnd.Next(1, 30), 1);
            double[] v;
            switch (rep % 3)
            {
                case 0: // noise
                    v = FieldTestData.RandomValues(rnd, region.Count);
                    break;
                case 1: // quantized noise: many equal neighbours and plateaus
                    v = FieldTestData.RandomValues(rnd, region.Count).Select(x => Math.Round(x * 2) / 2).ToArray();
                    break;
                default: // a smooth field of a few bumps
                {
                    var kernel = KernelSpec.Gaussian(cutoff: 8, sigma: 2);
                    v = new double[region.Count];
                    FieldComputer.Recompute(v, region, kernel, FieldTestData.Sources(rnd, region, kernel, 6).ToArray());
                    break;
                }
            }
            foreach (int k in new[] { 0, 1, 3, 10, 1000 })
            {
                var dest = new FieldPeak[k];
                int n = PeakFinder.TopLocalMaxima(v, region, dest);
                var expected = NaivePeaks(v, region, k);
                Assert.Equal(expected.Count, n);
                Assert.Equal(expected, dest.Take(n).ToList());
            }
        }
    }

    [Fact]
    public void Peaks_PlateauYieldsOnePeak_AndConstantFieldOne()
    {
        var region = new TileRegion(0, 0, 6, 5, 1);
        double[] v = new double[region.Count];
        // A 2x3 plateau of 1.0 on 0.
        foreach (var (i, j) in new[] { (2, 1), (3, 1), (4, 1), (2, 2), (3, 2), (4, 2) }) v[region.Index(i, j)] = 1.0;
        var dest = new FieldPeak[5];
        // The plateau's first sample, and the background's first sample (its own flat "plateau" of 0).
        Assert.Equal(2, PeakFinder.TopLocalMaxima(v, region, dest));
        Assert.Equal(new FieldPeak(2, 1, 1.0), dest[0]);
        Assert.Equal(new FieldPeak(0, 0, 0.0), dest[1]);

        Array.Fill(v, 0.25);
        Assert.Equal(1, PeakFinder.TopLocalMaxima(v, region, dest));
        Assert.Equal(new FieldPeak(0, 0, 0.25), dest[0]);
    }

    [Fact]
    public void Peaks_HighestFirst_WithAbsoluteIndices()
    {
        var region = new TileRegion(10, 20, 9, 9, 1);
        double[] v = new double[region.Count];
        v[region.Index(11, 21)] = 0.5;
        v[region.Index(15, 25)] = 0.9;
        v[region.Index(18, 28)] = 0.7;
        var dest = new FieldPeak[2];
        Assert.Equal(2, PeakFinder.TopLocalMaxima(v, region, dest));
        Assert.Equal([new FieldPeak(15, 25, 0.9), new FieldPeak(18, 28, 0.7)], dest);
        Assert.Throws<ArgumentException>(() => PeakFinder.TopLocalMaxima(v.AsSpan(1), region, dest));
    }
}

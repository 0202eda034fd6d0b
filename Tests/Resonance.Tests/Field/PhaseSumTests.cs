using Resonance.Grains.Field;
using Xunit;

namespace Resonance.Tests.Field;

public class PhaseSumTests
{
    private static PhaseSum Sum(IEnumerable<(double A, double Phi)> nodes)
    {
        var s = default(PhaseSum);
        foreach (var (a, phi) in nodes) s += PhaseSum.Of(a, phi);
        return s;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(3.14159)]
    [InlineData(6.0)]
    public void AllInPhase_IsOne(double phi)
    {
        var rnd = new Random(1);
        var s = Sum(Enumerable.Range(0, 50).Select(_ => (rnd.NextDouble() + 0.01, phi)));
        Assert.Equal(1.0, s.Coherence, 1e-12);
        Assert.Equal(Phase.Normalize(phi), s.MeanPhase, 1e-9);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1001)]
    public void UniformlySpread_IsZero(int n)
    {
        var s = Sum(Enumerable.Range(0, n).Select(k => (0.7, 0.3 + k * Phase.TwoPi / n)));
        Assert.True(s.Coherence <= 1e-12, $"R = {s.Coherence}");
        Assert.Equal(0.7 * n, s.Weight, 1e-9);
    }

    [Fact]
    public void TwoNodes_PhaseDifference_GivesAbsCosHalf()
    {
        for (int k = 0; k <= 720; k++)
        {
            double d = k * Phase.TwoPi / 720 * 1.5 - 1; // also negative and beyond 2 pi
            double phi = 0.37 * k;
            var s = PhaseSum.Of(0.5, phi) + PhaseSum.Of(0.5, phi + d);
            Assert.Equal(Math.Abs(Math.Cos(d / 2)), s.Coherence, 1e-12);
        }
    }

    [Fact]
    public void PartialSums_SplitAcrossGroups_EqualTheTotal()
    {
        var rnd = new Random(3);
        var nodes = Enumerable.Range(0, 300).Select(_ => (A: rnd.NextDouble(), Phi: rnd.NextDouble() * 1.5 + 1)).ToList();
        var total = Sum(nodes);
        var groups = nodes.GroupBy(_ => rnd.Next(7)).Select(Sum).ToList();
        var merged = groups.Aggregate(default(PhaseSum), (a, b) => a + b);
        Assert.Equal(total.Weight, merged.Weight, 1e-9);
        Assert.Equal(total.Coherence, merged.Coherence, 1e-12);
        Assert.Equal(total.MeanPhase, merged.MeanPhase, 1e-12);
        // An average of the groups' coherences would generally differ; the merged sum does not.
        // Removing a node's contribution restores the sum without it.
        var without = total - PhaseSum.Of(nodes[0].A, nodes[0].Phi);
        var expected = Sum(nodes.Skip(1));
        Assert.Equal(expected.Coherence, without.Coherence, 1e-12);
        Assert.True(total.Coherence > 0.5); // phases in [1, 2.5] are fairly coherent
    }

    [Fact]
    public void MeanPhase_IsTheWeightedCircularMean()
    {
        var s = PhaseSum.Of(1, 0.2) + PhaseSum.Of(1, 0.6);
        Assert.Equal(0.4, s.MeanPhase, 1e-12);
        var wrap = PhaseSum.Of(1, Phase.TwoPi - 0.1) + PhaseSum.Of(1, 0.3);
        Assert.Equal(0.1, wrap.MeanPhase, 1e-12);
        var negative = PhaseSum.Of(2, -0.5);
        Assert.Equal(Phase.TwoPi - 0.5, negative.MeanPhase, 1e-12);
        var weighted = PhaseSum.Of(3, 1.0) + PhaseSum.Of(1, 1.0 + Math.PI); // opposite, weights 3:1
        Assert.Equal(1.0, weighted.MeanPhase, 1e-12);
        Assert.Equal(0.5, weighted.Coherence, 1e-12);
    }

    [Fact]
    public void Empty_IsZero()
    {
        Assert.Equal(0.0, default(PhaseSum).Coherence);
        Assert.Equal(0.0, default(PhaseSum).MeanPhase);
        Assert.Equal(0.0, (PhaseSum.Of(0.4, 1) - PhaseSum.Of(0.4, 1)).Coherence);
    }
}

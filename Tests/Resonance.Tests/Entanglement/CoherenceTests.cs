using System.Numerics;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;

namespace Resonance.Tests.Entanglement;

/// <summary>quantumCoherence and meanPhase through cells -> space equal the Kuramoto reference over all participants.</summary>
public sealed class CoherenceTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 50)]
    [InlineData(4, 400)]
    [InlineData(5, 3)]
    public void Coherence_and_mean_phase_aggregated_through_cells_equal_the_reference(int seed, int n)
    {
        var random = new Random(seed);
        var geometry = SpaceGeometry.Create(new SpaceConfig { Width = 60, Height = 40 });
        // Some sets are nearly in phase, some uniform: both ends of R.
        double spread = seed % 2 == 0 ? 0.5 : 2 * Math.PI;
        var sums = new Dictionary<(int, int), PhaseSum>();
        var counts = new Dictionary<(int, int), int>();
        Complex reference = 0;
        double weight = 0;
        for (int k = 0; k < n; k++)
        {
            double x = random.NextDouble() * 60, y = random.NextDouble() * 40, a = random.NextDouble(), phi = Phase.Normalize(1 + random.NextDouble() * spread);
            var cell = geometry.CellOf(x, y);
            sums[cell] = sums.GetValueOrDefault(cell) + PhaseSum.Of(a, phi);
            counts[cell] = counts.GetValueOrDefault(cell) + 1;
            reference += a * Complex.FromPolarCoordinates(1, phi);
            weight += a;
        }
        var reports = sums.ToDictionary(kv => kv.Key, kv => new CellReport
        {
            Cx = kv.Key.Item1,
            Cy = kv.Key.Item2,
            Participants = counts[kv.Key],
            PhaseWeight = kv.Value.Weight,
            PhaseCos = kv.Value.Cos,
            PhaseSin = kv.Value.Sin,
        });

        var tick = new SpaceAggregator(geometry, 4).Aggregate("coherence", 1, DateTime.UtcNow, reports, 0);

        Assert.Equal(n, tick.ActiveNodes);
        Assert.Equal(reference.Magnitude / weight, tick.QuantumCoherence, 12);
        Assert.Equal(Phase.Normalize(reference.Phase), tick.MeanPhase, 10);

        // An average of the cells' own R and Psi would not do: with uneven cells it differs from the reference.
        if (reports.Count > 1 && spread > 1)
        {
            double averageOfCells = reports.Values.Average(r => new PhaseSum(r.PhaseWeight, r.PhaseCos, r.PhaseSin).Coherence);
            Assert.NotEqual(reference.Magnitude / weight, averageOfCells, 6);
        }
    }
}

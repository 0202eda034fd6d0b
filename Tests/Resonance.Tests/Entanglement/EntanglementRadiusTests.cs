using Resonance.Grains;
using Resonance.Grains.Spaces;

namespace Resonance.Tests.Entanglement;

/// <summary>The radius must let the evaluating cell hold both nodes of every candidate pair: at most R - sqrt(2) h.</summary>
public sealed class EntanglementRadiusTests
{
    [Fact]
    public void The_default_is_the_largest_radius_the_cell_grid_guarantees()
    {
        Assert.Equal(10 - Math.Sqrt(2), SpaceGeometry.Create(new SpaceConfig()).EntanglementRadius, 12);
        Assert.Equal(5, SpaceGeometry.Create(new SpaceConfig { EntanglementRadius = 5 }).EntanglementRadius);
        // A grid too coarse for any radius just has no candidates.
        Assert.Equal(0, SpaceGeometry.Create(new SpaceConfig { Width = 32, Height = 32, Spacing = 2, Cutoff = 2 }).EntanglementRadius);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void Radii_beyond_it_are_rejected(double radius) =>
        Assert.Throws<ArgumentException>(() => SpaceGeometry.Create(new SpaceConfig { EntanglementRadius = radius }));
}

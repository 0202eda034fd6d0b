namespace Resonance.Grains;

/// <summary>
/// A space's configuration: bounds [0,W) x [0,H), sample spacing h, kernel and cutoff R, cell side S (S &gt;= R,
/// a whole number of samples), composition (beta, background preset, clamp, saturation) and tick rate. Defaults are DESIGN section 2's.
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.space-config")]
public sealed record SpaceConfig
{
    [Id(0)] public double Width { get; init; } = 30;
    [Id(1)] public double Height { get; init; } = 30;
    [Id(2)] public double Spacing { get; init; } = 1;
    /// <summary><c>exponential</c>, <c>gaussian</c> or <c>harmonic</c>.</summary>
    [Id(3)] public string Kernel { get; init; } = "exponential";
    [Id(4)] public double Cutoff { get; init; } = 10;
    [Id(5)] public double Lambda { get; init; } = 0.1;
    [Id(6)] public double Sigma { get; init; } = 3;
    [Id(7)] public double WaveNumber { get; init; } = 1;
    /// <summary>Cell side S in field units; 0 means S = R.</summary>
    [Id(8)] public double CellSize { get; init; }
    [Id(9)] public double Beta { get; init; } = 0.3;
    /// <summary>Background preset: <c>classic</c> (the existing app's four terms) or <c>none</c>.</summary>
    [Id(10)] public string Background { get; init; } = "classic";
    /// <summary>Saturate the composed field (how: <see cref="Saturation"/>); false leaves it raw (F = the sum).</summary>
    [Id(11)] public bool Clamp { get; init; } = true;
    [Id(12)] public double TickHz { get; init; } = 10;
    /// <summary>Origin of the space's clock (Unix ms): the background's t is measured from here. Set by the space grain.</summary>
    [Id(13)] public long EpochUnixMs { get; init; }

    /// <summary>
    /// Participants farther apart than this are never tested for phase locking; 0 means the largest radius the cell grid
    /// guarantees, R - sqrt(2) h (a cell holds every node within R of its samples, and a member may sit up to sqrt(2) h
    /// beyond its last sample).
    /// </summary>
    [Id(14)] public double EntanglementRadius { get; init; }

    /// <summary>
    /// How the composed sum x is saturated into [0, 1] when <see cref="Clamp"/> is on: <c>clamp</c> (the existing app's
    /// clamp(x, 0, 1), the default and the <c>classic</c> preset's) or <c>soft</c> (1 - e^(-x), 0 for x &lt; 0), which stays
    /// informative where many nodes overlap. Null (a configuration stored before this option existed) means <c>clamp</c>.
    /// </summary>
    [Id(15)] public string Saturation { get; init; } = "clamp";

    public double EffectiveCellSize => CellSize > 0 ? CellSize : Cutoff;

    public double EffectiveEntanglementRadius => EntanglementRadius > 0 ? EntanglementRadius : Math.Max(0, MaxEntanglementRadius);

    /// <summary>R - sqrt(2) h: the largest radius for which the cell evaluating a pair is sure to hold both nodes.</summary>
    public double MaxEntanglementRadius => Cutoff - Math.Sqrt(2) * Spacing;
}

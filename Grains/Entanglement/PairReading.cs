namespace Resonance.Grains.Entanglement;

/// <summary>
/// One candidate pair of a scan: indices into the scan's member and held spans, its best PLV and the index of that
/// ratio. <see cref="Plv"/> is NaN when a window is not complete yet (nothing can be said about the pair this tick).
/// </summary>
public readonly record struct PairReading(int Member, int Other, double Plv, int RatioIndex)
{
    public bool Evaluated => !double.IsNaN(Plv);
}

namespace Resonance.Grains.Field;

/// <summary>
/// Additive partial sums for the Kuramoto order parameter: sum a, sum a cos(phi), sum a sin(phi).
/// Cells add these up and the space adds the cells' sums, so the result is exact (never an average of averages).
/// </summary>
public readonly record struct PhaseSum(double Weight, double Cos, double Sin)
{
    public static PhaseSum Of(double amplitude, double phase) => new(amplitude, amplitude * Math.Cos(phase), amplitude * Math.Sin(phase));

    public static PhaseSum operator +(PhaseSum a, PhaseSum b) => new(a.Weight + b.Weight, a.Cos + b.Cos, a.Sin + b.Sin);
    public static PhaseSum operator -(PhaseSum a, PhaseSum b) => new(a.Weight - b.Weight, a.Cos - b.Cos, a.Sin - b.Sin);

    /// <summary>Kuramoto R = |sum a e^{i phi}| / sum a, in [0, 1]; 0 when there is no weight.</summary>
    public double Coherence => Weight > 0 ? Math.Min(1.0, Math.Sqrt(Cos * Cos + Sin * Sin) / Weight) : 0;

    /// <summary>Mean phase Psi in [0, 2 pi); 0 when undefined.</summary>
    public double MeanPhase => Cos == 0 && Sin == 0 ? 0 : Phase.Normalize(Math.Atan2(Sin, Cos));
}

namespace Resonance.Grains.Field;

/// <summary>A kernel with its parameters and cutoff radius R (samples farther than R get nothing).</summary>
public readonly record struct KernelSpec(KernelKind Kind, double Cutoff, double Lambda, double Sigma, double WaveNumber)
{
    public static KernelSpec Exponential(double cutoff = 10, double lambda = 0.1) => new(KernelKind.Exponential, cutoff, lambda, 3, 1);
    public static KernelSpec Gaussian(double cutoff = 10, double sigma = 3) => new(KernelKind.Gaussian, cutoff, 0.1, sigma, 1);
    public static KernelSpec Harmonic(double cutoff = 10, double lambda = 0.1, double waveNumber = 1) => new(KernelKind.Harmonic, cutoff, lambda, 3, waveNumber);

    /// <summary>Scalar evaluation of K(d) for a node of the given phase; 0 beyond the cutoff. The reference-quality path.</summary>
    public double Evaluate(double distance, double phase)
    {
        if (distance > Cutoff) return 0;
        return Kind switch
        {
            KernelKind.Exponential => Math.Exp(-Lambda * distance),
            KernelKind.Gaussian => Math.Exp(-distance * distance / (2 * Sigma * Sigma)),
            KernelKind.Harmonic => Math.Exp(-Lambda * distance) * Math.Cos(WaveNumber * distance - phase),
            _ => throw new InvalidOperationException($"Unknown kernel kind {Kind}."),
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a parameter is non-finite or out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown kernel kind {Kind}.");
        if (!double.IsFinite(Cutoff) || Cutoff <= 0 || Cutoff > 1e6) throw new ArgumentException($"Kernel cutoff must be in (0, 1e6], got {Cutoff}.");
        if (!double.IsFinite(Lambda) || Lambda < 0 || Lambda > 1e3) throw new ArgumentException($"Kernel lambda must be in [0, 1e3], got {Lambda}.");
        if (!double.IsFinite(Sigma) || Sigma <= 0 || Sigma > 1e6) throw new ArgumentException($"Kernel sigma must be in (0, 1e6], got {Sigma}.");
        if (!double.IsFinite(WaveNumber) || Math.Abs(WaveNumber) > 1e3) throw new ArgumentException($"Kernel wave number must be finite and |k| <= 1e3, got {WaveNumber}.");
    }
}

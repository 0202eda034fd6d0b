namespace Resonance.Grains.Field;

/// <summary>Shape of the decaying kernel each node contributes to the field.</summary>
public enum KernelKind : byte
{
    /// <summary><c>exp(-lambda d)</c> — the existing app's kernel and the default.</summary>
    Exponential = 0,
    /// <summary><c>exp(-d^2 / 2 sigma^2)</c>.</summary>
    Gaussian = 1,
    /// <summary><c>exp(-lambda d) * cos(k d - phi_n)</c>: interference, uses the node's phase.</summary>
    Harmonic = 2,
}

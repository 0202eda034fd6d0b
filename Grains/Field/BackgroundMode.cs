namespace Resonance.Grains.Field;

/// <summary>
/// One background term <c>A * f(kx x + ky y + kr |c| + omega t + phi0)</c> with f = sin or cos.
/// </summary>
public readonly record struct BackgroundMode(bool UseCos, double Amplitude, double Kx, double Ky, double Kr, double Omega, double Phi0);

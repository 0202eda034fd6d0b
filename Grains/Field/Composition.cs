namespace Resonance.Grains.Field;

/// <summary>
/// Everything besides the node sum needed to compose a frame: F = clamp(beta * G + sum + B(c, t), 0, 1).
/// </summary>
public readonly record struct Composition(double Beta, double GlobalResonance, double TimeSeconds, BackgroundMode[] Background, bool Clamp);

namespace Resonance.Grains.Field;

/// <summary>One node's inputs to the field sum: position, strength s_n (amplitude or influence) and phase.</summary>
public readonly record struct FieldSource(double X, double Y, double Strength, double Phase);

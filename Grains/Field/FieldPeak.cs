namespace Resonance.Grains.Field;

/// <summary>A local maximum of the field at sample (I, J) with its value.</summary>
public readonly record struct FieldPeak(int I, int J, double Value);
